/**
 * POST /v1/wrap and /v1/synchronousUnwrap through the real server. A key unwrapped under a new
 * label is the same key: it decrypts what the original encrypted, computes the same HMAC, and
 * its signatures verify (with Node's OpenSSL) under the original's public key. Only extractable
 * keys leave the token, and a refused unwrap leaves nothing behind. (An AES-KW blob is checked
 * against Node's RFC 3394 implementation for a known key in import-export.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { signingCase, verifyWithNode } from "../support/verifier";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

let signet: RunningSignet;
const spki = new Map<string, string>();
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");

const wrap = (keyToBeWrapped: string, wrapKeyName: string, wrapMethod: string) =>
  signet.json("POST", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped, wrapKeyName, wrapMethod } });
const unwrap = (fields: Record<string, unknown>) =>
  signet.json("POST", "/v1/synchronousUnwrap", { unwrapKeyRequest: { unwrapKeyName: "kek", wrapMethod: "AES_WRAP", ...fields } });

const KEYS = [
  { label: "kek", algorithm: "AES", keySize: 256, attributes: { unwrap: true } },
  { label: "kek-plain", algorithm: "AES", keySize: 256 },
  { label: "kek-2", algorithm: "AES", keySize: 256, attributes: { unwrap: true } },
  { label: "rsa-kek", algorithm: "RSA", keySize: 2048, attributes: { unwrap: true, sign: false } },
  { label: "aes-x", algorithm: "AES", keySize: 192, attributes: { extractable: true } },
  { label: "aes-fixed", algorithm: "AES", keySize: 256 },
  { label: "h-x", algorithm: "HMACSHA384", attributes: { extractable: true } },
  { label: "rsa-x", algorithm: "RSA", keySize: 2048, attributes: { extractable: true } },
  { label: "ec-x", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7", attributes: { extractable: true } },
  { label: "ed-x", algorithm: "ED", attributes: { extractable: true } },
];

beforeAll(async () => {
  signet = await startSignet();
  for (const key of KEYS) {
    const created = await signet.json("POST", "/v1/key", key);
    expect(created.status).toBe(200);
    spki.set(key.label, created.body.json.publicKey);
  }
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

async function sameAesKey(original: string, copy: string): Promise<void> {
  const encrypted = await signet.json("POST", "/v1/encrypt", {
    encryptRequest: { payload: b64("wrapped and back"), encryptKeyName: original, cipherAlgorithm: "AES_GCM" },
  });
  const decrypted = await signet.json("POST", "/v1/synchronousDecrypt", {
    decryptRequest: {
      encryptedPayload: encrypted.body.encryptedPayload,
      decryptKeyName: copy,
      cipherAlgorithm: "AES_GCM",
      initializationVector: encrypted.body.initializationVector,
    },
  });
  expect(decrypted.status).toBe(200);
  expect(decrypted.body.payload).toBe(b64("wrapped and back"));
}

async function signaturesVerifyUnder(copy: string, original: string, algorithm: string): Promise<void> {
  const message = Buffer.from(`signed by ${copy}`);
  const testCase = signingCase(algorithm, message, spki.get(original)!);
  const signed = await signet.json("POST", "/v1/synchronousSign", {
    signRequest: { payload: b64(testCase.payload), signKeyName: copy, signatureAlgorithm: algorithm },
  });
  expect(signed.status).toBe(200);
  expect(await verifyWithNode([testCase.job(Buffer.from(signed.body.signature, "base64"))])).toEqual([true]);
}

describe("wrap and unwrap", () => {
  test("AES_WRAP: an AES key unwrapped under a new label decrypts what the original encrypted", async () => {
    const wrapped = await wrap("aes-x", "kek", "AES_WRAP");
    expect(wrapped.status).toBe(200);
    expect(wrapped.body.keyVersion).toBe("v1");
    expect(Buffer.from(wrapped.body.wrappedKey, "base64").length).toBe(24 + 8);
    const copy = await unwrap({ wrappedKey: wrapped.body.wrappedKey, label: "aes-copy" });
    expect(copy.status).toBe(201);
    expect(copy.body.json).toMatchObject({ label: "aes-copy", algorithm: "AES", keySize: 192, keyVersion: "v1" });
    expect(copy.body.json.attributes).toMatchObject({ sensitive: true, extractable: false, decrypt: true });
    await sameAesKey("aes-x", "aes-copy");
  });

  test("AES_WRAP_PAD: an HMAC key comes back as an HMAC key with the same MAC", async () => {
    const wrapped = await wrap("h-x", "kek", "AES_WRAP_PAD");
    const copy = await unwrap({ wrappedKey: wrapped.body.wrappedKey, label: "h-copy", wrapMethod: "AES_WRAP_PAD", algorithm: "HMACSHA384" });
    expect(copy.status).toBe(201);
    expect(copy.body.json).toMatchObject({ algorithm: "HMACSHA384", keySize: 384 });
    const macs = await Promise.all(
      ["h-x", "h-copy"].map((keyName) => signet.json("POST", "/v1/synchronousHmac", { hmacRequest: { keyName, payload: b64("same key") } })),
    );
    expect(macs[0]!.body.keyedHash).toBe(macs[1]!.body.keyedHash);
  });

  test("RSA_WRAP_OAEP: a secret key wrapped under an RSA key unwraps with its private key", async () => {
    const wrapped = await wrap("aes-x", "rsa-kek", "RSA_WRAP_OAEP");
    expect(wrapped.status).toBe(200);
    expect(Buffer.from(wrapped.body.wrappedKey, "base64").length).toBe(256);
    const copy = await unwrap({ wrappedKey: wrapped.body.wrappedKey, label: "aes-copy-2", unwrapKeyName: "rsa-kek", wrapMethod: "RSA_WRAP_OAEP" });
    expect(copy.status).toBe(201);
    await sameAesKey("aes-x", "aes-copy-2");
  });

  test("AES_WRAP_PAD_RSA / _EC: private keys come back and sign for the original's public key", async () => {
    for (const [label, method, algorithm, attributes] of [
      ["rsa-x", "AES_WRAP_PAD_RSA", "SHA256_WITH_RSA_PSS", { sign: true, decrypt: true }],
      ["ec-x", "AES_WRAP_PAD_EC", "SHA256_WITH_ECDSA", { sign: true }],
    ] as const) {
      const wrapped = await wrap(label, "kek", method);
      expect({ label, status: wrapped.status }).toEqual({ label, status: 200 });
      const copyLabel = `${label}-copy`;
      const copy = await unwrap({ wrappedKey: wrapped.body.wrappedKey, label: copyLabel, wrapMethod: method, attributes });
      expect({ label, status: copy.status }).toEqual({ label, status: 201 });
      expect(copy.body.json.algorithm).toBe(label === "rsa-x" ? "RSA" : "EC");
      // RSA's public key follows from the private key; a PKCS#8 EC key need not carry it.
      expect(copy.body.json.publicKey).toBe(label === "rsa-x" ? spki.get("rsa-x")! : null);
      await signaturesVerifyUnder(copyLabel, label, algorithm);
    }
  });

  test("AES_WRAP_PAD_ED: a token that cannot wrap Ed25519 keys (SoftHSM 2.6) answers 681", async () => {
    const wrapped = await wrap("ed-x", "kek", "AES_WRAP_PAD_ED");
    expect({ status: wrapped.status, errorCode: wrapped.body.errorCode }).toEqual({ status: 400, errorCode: 681 });
    expect(wrapped.body.message).toContain("cannot wrap ED keys");
  });
});

describe("refused", () => {
  let goodBlob = "";
  beforeAll(async () => {
    goodBlob = (await wrap("aes-x", "kek", "AES_WRAP")).body.wrappedKey;
  });
  const corrupt = () => {
    const bytes = Buffer.from(goodBlob, "base64");
    bytes[10]! ^= 0x01;
    return b64(bytes);
  };

  const CASES: [string, () => Promise<{ status: number; body: any }>, number, number][] = [
    ["wrap a key that is not extractable", () => wrap("aes-fixed", "kek", "AES_WRAP"), 403, 614],
    ["wrap with a key without the wrap attribute", () => wrap("aes-x", "kek-plain", "AES_WRAP"), 403, 614],
    ["wrap a private key with a secret-key method", () => wrap("rsa-x", "kek", "AES_WRAP_PAD"), 400, 607],
    ["wrap an RSA key as an EC key", () => wrap("rsa-x", "kek", "AES_WRAP_PAD_EC"), 400, 607],
    ["wrap under an EC key", () => wrap("aes-x", "ec-x", "AES_WRAP"), 400, 607],
    ["AES method with an RSA wrapping key", () => wrap("aes-x", "rsa-kek", "AES_WRAP"), 400, 607],
    ["unknown wrap method", () => wrap("aes-x", "kek", "DES_WRAP"), 400, 600],
    ["PKCS#1 v1.5 wrapping is not offered", () => wrap("aes-x", "rsa-kek", "RSA_WRAP_PAD"), 400, 600],
    ["wrap an unknown key", () => wrap("ghost", "kek", "AES_WRAP"), 404, 650],
    ["unwrap altered data", () => unwrap({ wrappedKey: corrupt(), label: "never-1" }), 400, 410],
    ["unwrap under another key", () => unwrap({ wrappedKey: goodBlob, label: "never-2", unwrapKeyName: "kek-2" }), 400, 410],
    ["unwrap with a key without the unwrap attribute", () => unwrap({ wrappedKey: goodBlob, label: "never-2b", unwrapKeyName: "aes-x" }), 403, 614],
    ["unwrap a blob too short for any key", () => unwrap({ wrappedKey: b64(Buffer.alloc(12)), label: "never-3" }), 400, 625],
    ["unwrap an RSA key as an EC key", async () => {
      const blob = (await wrap("rsa-x", "kek", "AES_WRAP_PAD_RSA")).body.wrappedKey;
      return unwrap({ wrappedKey: blob, label: "never-4", wrapMethod: "AES_WRAP_PAD_EC" });
    }, 400, 625],
    ["unwrap under a label in use", () => unwrap({ wrappedKey: goodBlob, label: "aes-x" }), 400, 608],
    ["unwrap under a bad label", () => unwrap({ wrappedKey: goodBlob, label: "../x" }), 400, 610],
    ["unwrap with a type that contradicts the method", () => unwrap({ wrappedKey: goodBlob, label: "never-5", wrapMethod: "AES_WRAP_PAD_RSA", algorithm: "EC" }), 400, 600],
    ["unwrap a secret key as a private key type", () => unwrap({ wrappedKey: goodBlob, label: "never-6", algorithm: "RSA" }), 400, 600],
    ["unwrap with an unknown key version", () => unwrap({ wrappedKey: goodBlob, label: "never-7", keyVersion: "v3" }), 404, 661],
    ["unwrap with an attribute Signet does not offer", () => unwrap({ wrappedKey: goodBlob, label: "never-8", attributes: { slip10: true } }), 400, 606],
    ["unwrap data that is not base64", () => unwrap({ wrappedKey: "###", label: "never-9" }), 400, 612],
  ];
  for (const [name, call, status, errorCode] of CASES) {
    test(`${name}: ${status} ${errorCode}`, async () => {
      const { status: got, body } = await call();
      expect({ status: got, errorCode: body.errorCode }).toEqual({ status, errorCode });
    });
  }

  test("nothing was created by the refused requests", async () => {
    const labels = (await signet.json("GET", "/v1/key")).body as string[];
    expect(labels.filter((label) => label.startsWith("never"))).toEqual([]);
    expect(labels).toEqual(
      [...KEYS.map((k) => k.label), "aes-copy", "aes-copy-2", "h-copy", "rsa-x-copy", "ec-x-copy"].sort(),
    );
  });
});

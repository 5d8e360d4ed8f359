/**
 * POST /v1/encrypt and /v1/synchronousDecrypt through the real server: RSA ciphertexts made by
 * Node's OpenSSL with the exported public key decrypt through the service, AES round trips in
 * every mode, and a GCM tag that does not verify gives 410 and no plaintext. (AES ciphertexts
 * are compared with Node's for a known imported key in import-export.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { nodeCrypto } from "../support/verifier";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

let signet: RunningSignet;
let rsaSpki = "";
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");
const message = Buffer.from("Signet encrypts this: 2026-11-23, 1000.00 CHF");

const encrypt = (fields: Record<string, unknown>) =>
  signet.json("POST", "/v1/encrypt", { encryptRequest: { payload: b64(message), encryptKeyName: "aes", cipherAlgorithm: "AES_GCM", ...fields } });
const decrypt = (fields: Record<string, unknown>) =>
  signet.json("POST", "/v1/synchronousDecrypt", { decryptRequest: { decryptKeyName: "aes", cipherAlgorithm: "AES_GCM", ...fields } });

beforeAll(async () => {
  signet = await startSignet({ env: { SIGNET_MAX_PAYLOAD_BYTES: "4096" } });
  for (const key of [
    { label: "rsa", algorithm: "RSA", keySize: 2048, attributes: { decrypt: true, sign: false } },
    { label: "rsa-sign-only", algorithm: "RSA", keySize: 2048 },
    { label: "aes", algorithm: "AES", keySize: 256 },
    { label: "aes-128", algorithm: "AES", keySize: 128 },
    { label: "ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
  ]) {
    const created = await signet.json("POST", "/v1/key", key);
    expect(created.status).toBe(200);
    if (key.label === "rsa") rsaSpki = created.body.json.publicKey;
  }
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("RSA", () => {
  const CASES = [
    ["RSA_PADDING_OAEP_WITH_SHA1", "oaep", "sha1"],
    ["RSA_PADDING_OAEP_WITH_SHA224", "oaep", "sha224"],
    ["RSA_PADDING_OAEP_WITH_SHA256", "oaep", "sha256"],
    ["RSA_PADDING_OAEP_WITH_SHA384", "oaep", "sha384"],
    ["RSA_PADDING_OAEP_WITH_SHA512", "oaep", "sha512"],
    ["RSA_PADDING_OAEP", "oaep", "sha1"],
    ["RSA_PADDING_PKCS", "pkcs1", undefined],
    ["RSA", "pkcs1", undefined],
  ] as const;

  test("ciphertexts Node's OpenSSL makes with the exported public key decrypt through the service", async () => {
    const ciphertexts = await nodeCrypto(CASES.map(([, padding, oaepHash]) => ({ op: "publicEncrypt", spki: rsaSpki, padding, oaepHash, data: b64(message) })));
    for (const [i, [cipherAlgorithm]] of CASES.entries()) {
      const { status, body } = await decrypt({ decryptKeyName: "rsa", cipherAlgorithm, encryptedPayload: ciphertexts[i] });
      expect({ cipherAlgorithm, status }).toEqual({ cipherAlgorithm, status: 200 });
      expect(Buffer.from(body.payload, "base64")).toEqual(message);
    }
  });

  test("the service's own RSA ciphertexts decrypt, and a ciphertext made with another padding does not", async () => {
    for (const [cipherAlgorithm] of CASES) {
      const encrypted = await encrypt({ encryptKeyName: "rsa", cipherAlgorithm });
      expect(encrypted.status).toBe(200);
      expect(encrypted.body.initializationVector).toBeNull();
      expect(encrypted.body.messageAuthenticationCode).toBeNull();
      expect(Buffer.from(encrypted.body.encryptedPayload, "base64").length).toBe(256);
      const decrypted = await decrypt({ decryptKeyName: "rsa", cipherAlgorithm, encryptedPayload: encrypted.body.encryptedPayload });
      expect(Buffer.from(decrypted.body.payload, "base64")).toEqual(message);
    }
    const sha256 = await encrypt({ encryptKeyName: "rsa", cipherAlgorithm: "RSA_PADDING_OAEP_WITH_SHA256" });
    for (const other of ["RSA_PADDING_OAEP_WITH_SHA384", "RSA_PADDING_OAEP_WITH_SHA1"]) {
      const wrong = await decrypt({ decryptKeyName: "rsa", cipherAlgorithm: other, encryptedPayload: sha256.body.encryptedPayload });
      expect({ status: wrong.status, errorCode: wrong.body.errorCode, payload: wrong.body.payload }).toEqual({ status: 400, errorCode: 410, payload: undefined });
    }
  });
});

describe("AES", () => {
  test("every mode round-trips, with a fresh IV for every message", async () => {
    const cases = [
      { cipherAlgorithm: "AES_GCM", ivBytes: 12 },
      { cipherAlgorithm: "AES_GCM", ivBytes: 12, tagLength: 96, additionalAuthenticationData: b64("header") },
      { cipherAlgorithm: "AES_GCM", ivBytes: 12, tagLength: 120 },
      { cipherAlgorithm: "AES", ivBytes: 16 },
      { cipherAlgorithm: "AES_CTR", ivBytes: 16 },
      { cipherAlgorithm: "AES_CBC_NO_PADDING", ivBytes: 16, payload: b64(Buffer.alloc(48, 7)) },
    ];
    for (const label of ["aes", "aes-128"]) {
      for (const { ivBytes, ...fields } of cases) {
        const payload = (fields.payload as string | undefined) ?? b64(message);
        const first = await encrypt({ encryptKeyName: label, ...fields, payload });
        const second = await encrypt({ encryptKeyName: label, ...fields, payload });
        expect({ label, fields, status: first.status }).toEqual({ label, fields, status: 200 });
        expect(first.body.keyVersion).toBe("v1");
        expect(Buffer.from(first.body.initializationVector, "base64").length).toBe(ivBytes);
        expect(first.body.initializationVector).not.toBe(second.body.initializationVector);
        expect(first.body.encryptedPayload).not.toBe(second.body.encryptedPayload);
        if (fields.cipherAlgorithm === "AES_GCM") {
          const tagBytes = ((fields.tagLength as number | undefined) ?? 128) / 8;
          const whole = Buffer.from(first.body.encryptedPayload, "base64");
          expect(Buffer.from(first.body.messageAuthenticationCode, "base64")).toEqual(whole.subarray(whole.length - tagBytes));
          expect(Buffer.from(first.body.encryptedPayloadWithoutMessageAuthenticationCode, "base64")).toEqual(whole.subarray(0, whole.length - tagBytes));
        } else {
          expect(first.body.messageAuthenticationCode).toBeNull();
        }
        const decrypted = await decrypt({
          decryptKeyName: label,
          ...fields,
          payload: undefined,
          encryptedPayload: first.body.encryptedPayload,
          initializationVector: first.body.initializationVector,
        });
        expect(decrypted.status).toBe(200);
        expect(decrypted.body.payload).toBe(payload);
      }
    }
  });

  test("a GCM tag that does not verify answers 410 and no plaintext", async () => {
    const aad = b64("header");
    const { body } = await encrypt({ additionalAuthenticationData: aad });
    const good = { encryptedPayload: body.encryptedPayload, initializationVector: body.initializationVector, additionalAuthenticationData: aad };
    expect((await decrypt(good)).status).toBe(200);
    const flipped = Buffer.from(body.encryptedPayload, "base64");
    flipped[3]! ^= 0x01;
    const otherIv = Buffer.from(body.initializationVector, "base64");
    otherIv[0]! ^= 0x01;
    for (const bad of [
      { ...good, encryptedPayload: b64(flipped) },
      { ...good, additionalAuthenticationData: b64("other header") },
      { ...good, additionalAuthenticationData: null },
      { ...good, initializationVector: b64(otherIv) },
      { ...good, tagLength: 96 },
      { ...good, decryptKeyName: "aes-128" },
    ]) {
      const response = await signet.request("POST", "/v1/synchronousDecrypt", { decryptRequest: { decryptKeyName: "aes", cipherAlgorithm: "AES_GCM", ...bad } });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text)).toEqual({ errorCode: 410, reason: "res.error.decrypt.failed", message: expect.any(String) });
      expect(text).not.toContain(b64(message).slice(0, 12));
    }
  });

  test("CBC ciphertext that does not unpad answers 410", async () => {
    // 15 bytes: one block whose PKCS#7 padding is the single byte 0x01. Flipping the IV's last
    // bit turns it into 0x00, which is never valid padding. (Arbitrary bytes under a random key
    // unpad by chance about once in 256 runs.)
    const payload = b64(Buffer.alloc(15, 7));
    const { body: sealed } = await encrypt({ cipherAlgorithm: "AES", payload });
    const good = { cipherAlgorithm: "AES", encryptedPayload: sealed.encryptedPayload, initializationVector: sealed.initializationVector };
    expect((await decrypt(good)).body.payload).toBe(payload);
    const iv = Buffer.from(sealed.initializationVector, "base64");
    iv[15]! ^= 0x01;
    const { status, body } = await decrypt({ ...good, initializationVector: b64(iv) });
    expect({ status, errorCode: body.errorCode }).toEqual({ status: 400, errorCode: 410 });
  });
});

describe("bad input", () => {
  const iv16 = b64(Buffer.alloc(16));
  const CASES: [string, "encrypt" | "decrypt", Record<string, unknown>, number, number][] = [
    ["GCM tag of 64 bits", "encrypt", { tagLength: 64 }, 400, 624],
    ["GCM tag of 100 bits", "decrypt", { tagLength: 100, encryptedPayload: b64(Buffer.alloc(40)), initializationVector: b64(Buffer.alloc(12)) }, 400, 624],
    ["additional data with CBC", "encrypt", { cipherAlgorithm: "AES", additionalAuthenticationData: b64("x") }, 400, 600],
    ["decrypt without IV", "decrypt", { encryptedPayload: b64(Buffer.alloc(40)) }, 400, 600],
    ["CBC IV of 12 bytes", "decrypt", { cipherAlgorithm: "AES", encryptedPayload: b64(Buffer.alloc(32)), initializationVector: b64(Buffer.alloc(12)) }, 400, 612],
    ["CBC ciphertext not whole blocks", "decrypt", { cipherAlgorithm: "AES", encryptedPayload: b64(Buffer.alloc(20)), initializationVector: iv16 }, 400, 612],
    ["CBC without padding, payload not whole blocks", "encrypt", { cipherAlgorithm: "AES_CBC_NO_PADDING", payload: b64(Buffer.alloc(17)) }, 400, 612],
    ["RSA ciphertext of the wrong length", "decrypt", { decryptKeyName: "rsa", cipherAlgorithm: "RSA_PADDING_OAEP_WITH_SHA256", encryptedPayload: b64(Buffer.alloc(100)) }, 400, 612],
    ["RSA payload too long for OAEP", "encrypt", { encryptKeyName: "rsa", cipherAlgorithm: "RSA_PADDING_OAEP_WITH_SHA512", payload: b64(Buffer.alloc(200)) }, 400, 612],
    ["IV given to RSA", "decrypt", { decryptKeyName: "rsa", cipherAlgorithm: "RSA_PADDING_PKCS", encryptedPayload: b64(Buffer.alloc(256)), initializationVector: iv16 }, 400, 600],
    ["empty payload", "encrypt", { payload: "" }, 400, 612],
    ["payload not base64", "encrypt", { payload: "%%%" }, 400, 612],
    ["payload over the limit", "encrypt", { payload: b64(Buffer.alloc(4097)) }, 413, 680],
    ["unknown cipher", "encrypt", { cipherAlgorithm: "AES_ECB" }, 400, 600],
    ["AES cipher on an RSA key", "encrypt", { encryptKeyName: "rsa" }, 400, 607],
    ["RSA cipher on an AES key", "encrypt", { cipherAlgorithm: "RSA_PADDING_PKCS" }, 400, 607],
    ["EC key", "encrypt", { encryptKeyName: "ec" }, 400, 607],
    ["RSA key without the decrypt attribute", "encrypt", { encryptKeyName: "rsa-sign-only", cipherAlgorithm: "RSA_PADDING_PKCS" }, 403, 614],
    ["unknown key", "encrypt", { encryptKeyName: "ghost" }, 404, 650],
    ["unknown key version", "decrypt", { keyVersion: "v2", encryptedPayload: b64(Buffer.alloc(40)), initializationVector: b64(Buffer.alloc(12)) }, 404, 661],
    ["malformed key version", "decrypt", { keyVersion: "two", encryptedPayload: b64(Buffer.alloc(40)), initializationVector: b64(Buffer.alloc(12)) }, 400, 600],
    ["tagLength not a number", "encrypt", { tagLength: "long" }, 400, 600],
  ];
  for (const [name, route, fields, status, errorCode] of CASES) {
    test(`${name}: ${status} ${errorCode}`, async () => {
      const response = route === "encrypt" ? await encrypt(fields) : await decrypt(fields);
      expect({ status: response.status, errorCode: response.body.errorCode }).toEqual({ status, errorCode });
      expect(response.body.reason).toMatch(/^res\.error\./);
    });
  }
});

/**
 * POST /v1/key/import/plain and /v1/key/export/plain through the real server, and the checks
 * only a known key allows: for keys Node's OpenSSL knows too, the service's AES ciphertexts
 * (every mode), HMACs and AES key-wrap blobs equal Node's byte for byte; imported private keys
 * sign for their original public keys; exported material is the key that went in.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { nodeCrypto, signingCase, verifyWithNode } from "../support/verifier";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

let signet: RunningSignet;
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");
const AES_256 = randomBytes(32);
const AES_128 = randomBytes(16);
const KEK = randomBytes(32);
const DATA_KEY = randomBytes(32);
const HMAC_KEYS = { HMACSHA256: randomBytes(32), HMACSHA384: randomBytes(48), HMACSHA512: randomBytes(64) };
const pairs: Record<string, { pkcs8: string; spki: string }> = {};
/** The default initial values of RFC 3394 and RFC 5649. */
const KW_IV = b64(Buffer.from("a6a6a6a6a6a6a6a6", "hex"));
const KWP_IV = b64(Buffer.from("a65959a6", "hex"));

const importKey = (body: Record<string, unknown>) => signet.json("POST", "/v1/key/import/plain", body);
const exportKey = (label: string, extra: Record<string, unknown> = {}) => signet.json("POST", "/v1/key/export/plain", { label, ...extra });

beforeAll(async () => {
  signet = await startSignet();
  const generated = await nodeCrypto([
    { op: "generate", type: "rsa", modulusLength: 2048 },
    { op: "generate", type: "rsa", modulusLength: 1024 },
    { op: "generate", type: "ec", namedCurve: "P-256" },
    { op: "generate", type: "ec", namedCurve: "P-384" },
    { op: "generate", type: "ec", namedCurve: "secp256k1" },
    { op: "generate", type: "ed25519" },
  ]);
  ["rsa", "rsa1024", "p256", "p384", "k1", "ed"].forEach((name, i) => (pairs[name] = generated[i]));
  const imports = [
    { label: "aes-256", algorithm: "AES", secretKey: b64(AES_256) },
    { label: "aes-128", algorithm: "AES", secretKey: b64(AES_128) },
    { label: "kek", algorithm: "AES", secretKey: b64(KEK), attributes: { unwrap: true } },
    { label: "data-key", algorithm: "AES", secretKey: b64(DATA_KEY), attributes: { extractable: true } },
    ...Object.entries(HMAC_KEYS).map(([algorithm, key]) => ({ label: `hmac-${algorithm}`, algorithm, secretKey: b64(key) })),
    { label: "rsa", algorithm: "RSA", privateKey: pairs.rsa!.pkcs8, publicKey: pairs.rsa!.spki, attributes: { sign: true, decrypt: true } },
    { label: "p256", algorithm: "EC", privateKey: pairs.p256!.pkcs8 },
    { label: "p384", algorithm: "EC", privateKey: pairs.p384!.pkcs8, publicKey: pairs.p384!.spki },
    { label: "k1", algorithm: "EC", privateKey: pairs.k1!.pkcs8 },
    { label: "ed", algorithm: "ED", privateKey: pairs.ed!.pkcs8 },
  ];
  for (const body of imports) {
    const { status, body: answer } = await importKey(body);
    expect({ label: body.label, status, answer: status === 200 ? "ok" : answer }).toEqual({ label: body.label, status: 200, answer: "ok" });
  }
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("imported keys behave like generated ones", () => {
  test("imported keys report their type, the original public key, and secure defaults", async () => {
    for (const [label, name, algorithm] of [["rsa", "rsa", "RSA"], ["p256", "p256", "EC"], ["k1", "k1", "EC"], ["ed", "ed", "ED"]] as const) {
      const { body } = await signet.json("GET", `/v1/key/${label}/attributes`);
      expect(body.json.algorithm).toBe(algorithm);
      expect(body.json.publicKey).toBe(pairs[name]!.spki);
      expect(body.json.attributes).toMatchObject({ sensitive: true, extractable: false, sign: true });
    }
    const aes = await signet.json("GET", "/v1/key/aes-256/attributes");
    expect(aes.body.json).toMatchObject({ algorithm: "AES", keySize: 256, publicKey: null });
    expect(aes.body.json.attributes).toMatchObject({ sensitive: true, extractable: false, decrypt: true });
  });

  test("imported private keys sign, and Node verifies with the original public keys", async () => {
    const message = Buffer.from("imported and signing");
    const jobs = [];
    for (const [label, algorithm] of [["rsa", "SHA256_WITH_RSA"], ["p256", "SHA256_WITH_ECDSA"], ["p384", "SHA384_WITH_ECDSA"], ["k1", "SHA256_WITH_ECDSA"], ["ed", "EDDSA"]] as const) {
      const testCase = signingCase(algorithm, message, pairs[label]!.spki);
      const signed = await signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64(testCase.payload), signKeyName: label, signatureAlgorithm: algorithm } });
      expect(signed.status).toBe(200);
      jobs.push(testCase.job(Buffer.from(signed.body.signature, "base64")));
    }
    expect(await verifyWithNode(jobs)).toEqual([true, true, true, true, true]);
  });

  test("an imported RSA key decrypts what Node encrypts with its public key", async () => {
    const [ciphertext] = await nodeCrypto([{ op: "publicEncrypt", spki: pairs.rsa!.spki, padding: "oaep", oaepHash: "sha256", data: b64("for the imported key") }]);
    const { body } = await signet.json("POST", "/v1/synchronousDecrypt", {
      decryptRequest: { encryptedPayload: ciphertext, decryptKeyName: "rsa", cipherAlgorithm: "RSA_PADDING_OAEP_WITH_SHA256" },
    });
    expect(body.payload).toBe(b64("for the imported key"));
  });
});

describe("the service's results equal Node's for a known key", () => {
  const plaintext = Buffer.from("Known key, known answer: 32 bytes and then some more.");

  test("AES ciphertexts in every mode, byte for byte, and Node's ciphertexts decrypt through the service", async () => {
    const modes = [
      { cipherAlgorithm: "AES_GCM", node: "gcm", tagLength: 128, aad: b64("header") },
      { cipherAlgorithm: "AES_GCM", node: "gcm", tagLength: 96 },
      { cipherAlgorithm: "AES", node: "cbc" },
      { cipherAlgorithm: "AES_CBC_NO_PADDING", node: "cbc", noPadding: true, data: Buffer.alloc(64, 0x42) },
      { cipherAlgorithm: "AES_CTR", node: "ctr" },
    ];
    for (const [label, key] of [["aes-256", AES_256], ["aes-128", AES_128]] as const) {
      for (const mode of modes) {
        const data = mode.data ?? plaintext;
        const encrypted = await signet.json("POST", "/v1/encrypt", {
          encryptRequest: { payload: b64(data), encryptKeyName: label, cipherAlgorithm: mode.cipherAlgorithm, tagLength: mode.tagLength, additionalAuthenticationData: mode.aad },
        });
        expect(encrypted.status).toBe(200);
        const algorithm = `aes-${key.length * 8}-${mode.node}`;
        const tagBytes = mode.tagLength ? mode.tagLength / 8 : undefined;
        const iv = encrypted.body.initializationVector;
        const nodeIv = b64(randomBytes(mode.node === "gcm" ? 12 : 16));
        const [sameIv, nodeOwn] = await nodeCrypto([
          { op: "cipher", algorithm, key: b64(key), iv, data: b64(data), aad: mode.aad, tagBytes, noPadding: mode.noPadding },
          { op: "cipher", algorithm, key: b64(key), iv: nodeIv, data: b64(data), aad: mode.aad, tagBytes, noPadding: mode.noPadding },
        ]);
        expect({ label, mode: mode.cipherAlgorithm, ciphertext: encrypted.body.encryptedPayload }).toEqual({ label, mode: mode.cipherAlgorithm, ciphertext: sameIv });
        const decrypted = await signet.json("POST", "/v1/synchronousDecrypt", {
          decryptRequest: { encryptedPayload: nodeOwn, decryptKeyName: label, cipherAlgorithm: mode.cipherAlgorithm, initializationVector: nodeIv, tagLength: mode.tagLength, additionalAuthenticationData: mode.aad },
        });
        expect(decrypted.body.payload).toBe(b64(data));
      }
    }
  });

  test("HMACs equal Node's", async () => {
    const entries = Object.entries(HMAC_KEYS);
    const expected = await nodeCrypto(entries.map(([algorithm, key]) => ({ op: "hmac", hash: algorithm.replace("HMAC", "").toLowerCase(), key: b64(key), data: b64(plaintext) })));
    for (const [i, [algorithm]] of entries.entries()) {
      const { body } = await signet.json("POST", "/v1/synchronousHmac", { hmacRequest: { keyName: `hmac-${algorithm}`, payload: b64(plaintext) } });
      expect(body.keyedHash).toBe(expected[i]);
      const verified = await signet.json("POST", "/v1/verify", { verifyHmacRequest: { keyName: `hmac-${algorithm}`, payload: b64(plaintext), signature: expected[i] } });
      expect(verified.body).toEqual({ signatureValid: true });
    }
  });

  test("AES_WRAP and AES_WRAP_PAD blobs unwrap with Node's RFC 3394 / RFC 5649 to the known key", async () => {
    const blobs = [];
    for (const method of ["AES_WRAP", "AES_WRAP_PAD"]) {
      const { status, body } = await signet.json("POST", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped: "data-key", wrapKeyName: "kek", wrapMethod: method } });
      expect(status).toBe(200);
      blobs.push(body.wrappedKey);
    }
    const unwrapped = await nodeCrypto([
      { op: "cipher", algorithm: "id-aes256-wrap", key: b64(KEK), iv: KW_IV, data: blobs[0], decrypt: true },
      { op: "cipher", algorithm: "id-aes256-wrap-pad", key: b64(KEK), iv: KWP_IV, data: blobs[1], decrypt: true },
    ]);
    expect(unwrapped).toEqual([b64(DATA_KEY), b64(DATA_KEY)]);
  });

  test("an RSA key Node wraps with RFC 5649 unwraps into the token and signs for its public key", async () => {
    const [blob] = await nodeCrypto([{ op: "cipher", algorithm: "id-aes256-wrap-pad", key: b64(KEK), iv: KWP_IV, data: pairs.rsa!.pkcs8 }]);
    const unwrapped = await signet.json("POST", "/v1/synchronousUnwrap", {
      unwrapKeyRequest: { wrappedKey: blob, label: "rsa-unwrapped", unwrapKeyName: "kek", wrapMethod: "AES_WRAP_PAD_RSA" },
    });
    expect(unwrapped.status).toBe(201);
    expect(unwrapped.body.json.publicKey).toBe(pairs.rsa!.spki);
    const testCase = signingCase("SHA512_WITH_RSA_PSS", Buffer.from("unwrapped RSA"), pairs.rsa!.spki);
    const signed = await signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64(testCase.payload), signKeyName: "rsa-unwrapped", signatureAlgorithm: "SHA512_WITH_RSA_PSS" } });
    expect(await verifyWithNode([testCase.job(Buffer.from(signed.body.signature, "base64"))])).toEqual([true]);
  });

  test("an Ed25519 key wrapped by Node is refused with 625 by a token that cannot unwrap Ed25519 (SoftHSM 2.6), leaving nothing", async () => {
    const [blob] = await nodeCrypto([{ op: "cipher", algorithm: "id-aes256-wrap-pad", key: b64(KEK), iv: KWP_IV, data: pairs.ed!.pkcs8 }]);
    const unwrapped = await signet.json("POST", "/v1/synchronousUnwrap", {
      unwrapKeyRequest: { wrappedKey: blob, label: "ed-unwrapped", unwrapKeyName: "kek", wrapMethod: "AES_WRAP_PAD_ED", attributes: { sign: true } },
    });
    expect({ status: unwrapped.status, errorCode: unwrapped.body.errorCode }).toEqual({ status: 400, errorCode: 625 });
    expect((await signet.json("GET", "/v1/key/ed-unwrapped/attributes")).status).toBe(404);
  });
});

describe("export", () => {
  test("exported material is the key that went in", async () => {
    const secret = randomBytes(32);
    for (const body of [
      { label: "x-aes", algorithm: "AES", secretKey: b64(secret) },
      { label: "x-rsa", algorithm: "RSA", privateKey: pairs.rsa!.pkcs8 },
      { label: "x-k1", algorithm: "EC", privateKey: pairs.k1!.pkcs8 },
      { label: "x-ed", algorithm: "ED", privateKey: pairs.ed!.pkcs8 },
    ]) {
      expect((await importKey({ ...body, attributes: { extractable: true, sensitive: false } })).status).toBe(200);
    }
    expect((await exportKey("x-aes")).body).toEqual({ label: "x-aes", algorithm: "AES", keyVersion: "v1", privateKey: null, publicKey: null, secretKey: b64(secret) });
    for (const [label, name] of [["x-rsa", "rsa"], ["x-k1", "k1"], ["x-ed", "ed"]] as const) {
      const { status, body } = await exportKey(label);
      expect(status).toBe(200);
      expect(body.publicKey).toBe(pairs[name]!.spki);
      expect(body.secretKey).toBeNull();
      const [matches, original] = await nodeCrypto([
        { op: "privateKeyMatches", pkcs8: body.privateKey, spki: pairs[name]!.spki },
        { op: "privateKeyMatches", pkcs8: pairs[name]!.pkcs8, spki: body.publicKey },
      ]);
      expect({ label, matches, original }).toEqual({ label, matches: true, original: true });
    }
  });

  test("a key generated extractable and not sensitive exports a private key Node accepts as the key's", async () => {
    for (const key of [
      { label: "g-ec", algorithm: "EC", curveOid: "1.3.132.0.35" },
      { label: "g-rsa", algorithm: "RSA", keySize: 2048 },
    ]) {
      const created = await signet.json("POST", "/v1/key", { ...key, attributes: { extractable: true, sensitive: false } });
      const { body } = await exportKey(key.label);
      expect(body.publicKey).toBe(created.body.json.publicKey);
      expect(await nodeCrypto([{ op: "privateKeyMatches", pkcs8: body.privateKey, spki: created.body.json.publicKey }])).toEqual([true]);
    }
  });

  test("sensitive or non-extractable keys are not exported", async () => {
    await signet.json("POST", "/v1/key", { label: "sensitive-x", algorithm: "AES", keySize: 128, attributes: { extractable: true } });
    for (const [label, status, errorCode] of [["sensitive-x", 403, 614], ["aes-256", 403, 614], ["rsa", 403, 614], ["ghost", 404, 650]] as const) {
      const response = await exportKey(label);
      expect({ label, status: response.status, errorCode: response.body.errorCode }).toEqual({ label, status, errorCode });
      expect(JSON.stringify(response.body)).not.toContain("secretKey");
    }
  });
});

describe("bad imports", () => {
  const CASES: [string, () => Record<string, unknown>, number, number][] = [
    ["AES key of 20 bytes", () => ({ algorithm: "AES", secretKey: b64(randomBytes(20)) }), 400, 625],
    ["HMACSHA384 key shorter than its hash", () => ({ algorithm: "HMACSHA384", secretKey: b64(randomBytes(32)) }), 400, 625],
    ["RSA-1024", () => ({ algorithm: "RSA", privateKey: pairs.rsa1024!.pkcs8 }), 400, 603],
    ["privateKey that is not DER", () => ({ algorithm: "RSA", privateKey: b64("not a key at all") }), 400, 625],
    ["publicKey that is not the private key's", () => ({ algorithm: "EC", privateKey: pairs.p256!.pkcs8, publicKey: pairs.p384!.spki }), 400, 625],
    ["an RSA key called EC", () => ({ algorithm: "EC", privateKey: pairs.rsa!.pkcs8 }), 400, 625],
    ["secretKey for an RSA key", () => ({ algorithm: "RSA", privateKey: pairs.rsa!.pkcs8, secretKey: b64(randomBytes(16)) }), 400, 600],
    ["a public key alone", () => ({ algorithm: "EC", publicKey: pairs.p256!.spki }), 400, 600],
    ["no material", () => ({ algorithm: "AES" }), 400, 600],
    ["privateKey for an AES key", () => ({ algorithm: "AES", privateKey: pairs.p256!.pkcs8 }), 400, 600],
    ["label in use", () => ({ label: "aes-256", algorithm: "AES", secretKey: b64(randomBytes(16)) }), 400, 608],
    ["bad label", () => ({ label: "bad/label", algorithm: "AES", secretKey: b64(randomBytes(16)) }), 400, 610],
    ["unknown algorithm", () => ({ algorithm: "DSA", privateKey: pairs.p256!.pkcs8 }), 400, 613],
    ["secretKey not base64", () => ({ algorithm: "AES", secretKey: "***" }), 400, 612],
    ["an attribute Signet does not offer", () => ({ algorithm: "AES", secretKey: b64(randomBytes(16)), attributes: { bip32: true } }), 400, 606],
  ];
  let before: string[] = [];
  beforeAll(async () => {
    before = (await signet.json("GET", "/v1/key")).body;
  });
  for (const [name, body, status, errorCode] of CASES) {
    test(`${name}: ${status} ${errorCode}`, async () => {
      const response = await importKey({ label: "refused", ...body() });
      expect({ status: response.status, errorCode: response.body.errorCode }).toEqual({ status, errorCode });
    });
  }
  test("nothing was imported by the refused requests", async () => {
    expect((await signet.json("GET", "/v1/key")).body).toEqual(before);
  });
});

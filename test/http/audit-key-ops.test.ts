/**
 * The key operations beyond signing are recorded in the audit log (encryption, decryption,
 * wrapping, unwrapping, HMAC, import, export, block, unblock, rotation, certificates), with
 * the digest of what is not secret (ciphertexts, MACs, wrapped blobs, certificates) and never
 * of a plaintext; and they honour a client's key allow-list like signing does.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { removeDir, startSignet, type RunningSignet } from "../support/server";

setDefaultTimeout(60_000);

let signet: RunningSignet;
const b64 = (bytes: string | Uint8Array) => Buffer.from(bytes).toString("base64");
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const secret = Buffer.from("a short secret: 1234");

async function records(action: string): Promise<any[]> {
  const page = await signet.json("GET", `/v1/audit?limit=1000&action=${encodeURIComponent(action)}`);
  expect(page.status).toBe(200);
  return page.body.records;
}

beforeAll(async () => {
  // Refusals of one key are counted one by one below: every denial its own record.
  signet = await startSignet({ env: { SIGNET_AUDIT_DENIAL_WINDOW_SECONDS: "0" } });
  for (const key of [
    { label: "ops-aes", algorithm: "AES", keySize: 256, attributes: { decrypt: true, unwrap: true } },
    { label: "ops-data", algorithm: "AES", keySize: 128, attributes: { decrypt: true, extractable: true, sensitive: false } },
    { label: "ops-mac", algorithm: "HMACSHA256" },
    { label: "ops-ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
  ]) {
    expect((await signet.json("POST", "/v1/key", key)).status).toBe(200);
  }
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("what is recorded", () => {
  test("encrypt and decrypt: the ciphertext's digest, never the plaintext's", async () => {
    const encrypted = await signet.json("POST", "/v1/encrypt", {
      encryptRequest: { payload: b64(secret), encryptKeyName: "ops-aes", cipherAlgorithm: "AES_GCM" },
    });
    expect(encrypted.status).toBe(200);
    const ciphertext = Buffer.from(encrypted.body.encryptedPayload, "base64");
    const decrypted = await signet.json("POST", "/v1/synchronousDecrypt", {
      decryptRequest: {
        encryptedPayload: encrypted.body.encryptedPayload,
        decryptKeyName: "ops-aes",
        cipherAlgorithm: "AES_GCM",
        initializationVector: encrypted.body.initializationVector,
      },
    });
    expect(Buffer.from(decrypted.body.payload, "base64")).toEqual(secret);
    const [encryptRecord] = (await records("encrypt")).slice(-1);
    expect(encryptRecord).toMatchObject({ objectId: "ops-aes", outcome: "success", details: { algorithm: "AES_GCM", keyVersion: "v1", ciphertextSha256: sha256(ciphertext) } });
    const [decryptRecord] = (await records("decrypt")).slice(-1);
    expect(decryptRecord).toMatchObject({ objectId: "ops-aes", outcome: "success", details: { ciphertextSha256: sha256(ciphertext) } });
    const everything = JSON.stringify(await (await signet.request("GET", "/v1/audit?limit=1000")).json());
    expect(everything).not.toContain(sha256(secret));
  });

  test("a decryption that fails is recorded as a failure with its code", async () => {
    const failed = await signet.json("POST", "/v1/synchronousDecrypt", {
      decryptRequest: { encryptedPayload: b64("not a ciphertext at all"), decryptKeyName: "ops-aes", cipherAlgorithm: "AES_GCM", initializationVector: b64("123456789012") },
    });
    expect(failed.status).toBe(400);
    const [record] = (await records("decrypt")).slice(-1);
    expect(record).toMatchObject({ outcome: "failure", details: { errorCode: failed.body.errorCode } });
  });

  test("wrap, unwrap, HMAC, export, block, unblock, rotation and a certificate are recorded", async () => {
    const wrapped = await signet.json("POST", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped: "ops-data", wrapKeyName: "ops-aes", wrapMethod: "AES_WRAP" } });
    expect(wrapped.status).toBe(200);
    const unwrapped = await signet.json("POST", "/v1/synchronousUnwrap", {
      unwrapKeyRequest: { wrappedKey: wrapped.body.wrappedKey, label: "ops-unwrapped", unwrapKeyName: "ops-aes", wrapMethod: "AES_WRAP" },
    });
    expect(unwrapped.status).toBe(201);
    const mac = await signet.json("POST", "/v1/synchronousHmac", { hmacRequest: { keyName: "ops-mac", payload: b64(secret) } });
    expect(mac.status).toBe(200);
    expect((await signet.json("POST", "/v1/key/export/plain", { label: "ops-data" })).status).toBe(200);
    expect((await signet.json("POST", "/v1/synchronousBlock", { blockRequest: { blockKeyName: "ops-ec" } })).status).toBe(200);
    expect((await signet.json("POST", "/v1/synchronousUnblock", { blockRequest: { blockKeyName: "ops-ec" } })).status).toBe(200);
    expect((await signet.json("POST", "/v1/key/ops-ec/rotate")).status).toBe(200);
    const certificate = await signet.json("POST", "/v1/certificate/synchronous/selfsign", {
      signKeyName: "ops-ec", signatureAlgorithm: "SHA256_WITH_ECDSA", validity: 30, commonName: "ops CA", certificateAuthority: true,
    });
    expect(certificate.status).toBe(200);

    const wrappedBlob = Buffer.from(wrapped.body.wrappedKey, "base64");
    expect((await records("key.wrap")).at(-1)).toMatchObject({ objectId: "ops-data", details: { wrapKeyName: "ops-aes", wrappedKeySha256: sha256(wrappedBlob) } });
    expect((await records("key.unwrap")).at(-1)).toMatchObject({ objectId: "ops-unwrapped", details: { unwrapKeyName: "ops-aes", wrappedKeySha256: sha256(wrappedBlob) } });
    expect((await records("hmac")).at(-1)).toMatchObject({ objectId: "ops-mac", details: { macSha256: sha256(Buffer.from(mac.body.keyedHash, "base64")) } });
    expect((await records("key.export")).at(-1)).toMatchObject({ objectId: "ops-data", outcome: "success", details: { keyVersion: "v1" } });
    expect((await records("key.block")).at(-1)).toMatchObject({ objectId: "ops-ec", outcome: "success" });
    expect((await records("key.unblock")).at(-1)).toMatchObject({ objectId: "ops-ec", outcome: "success" });
    expect((await records("key.rotate")).at(-1)).toMatchObject({ objectId: "ops-ec", details: { keyVersion: "v2" } });
    expect((await records("certificate.selfSign")).at(-1)).toMatchObject({ objectId: "ops-ec", details: { keyVersion: "v2", pemSha256: sha256(certificate.body.certificate) } });
  });

  test("publishing a key in the JWK set and withdrawing it are recorded, a refused withdrawal as a failure", async () => {
    expect((await signet.json("PUT", "/v1/token/jwks/ops-ec")).status).toBe(200);
    expect((await signet.json("PUT", "/v1/token/jwks/ops-ec")).status).toBe(200);
    expect((await signet.json("DELETE", "/v1/token/jwks/ops-ec")).status).toBe(200);
    const refused = await signet.json("DELETE", "/v1/token/jwks/ops-ec");
    expect(refused.status).toBe(404);
    expect((await records("key.jwk.publish")).map((r) => [r.objectId, r.outcome, r.details.alreadyPublished])).toEqual([
      ["ops-ec", "success", false],
      ["ops-ec", "success", true],
    ]);
    expect((await records("key.jwk.withdraw")).map((r) => [r.objectId, r.outcome, r.details.errorCode ?? null])).toEqual([
      ["ops-ec", "success", null],
      ["ops-ec", "failure", refused.body.errorCode],
    ]);
  });

  test("random bytes are recorded with their length, never the bytes", async () => {
    const random = await signet.json("GET", "/v1/generateRandom/24");
    expect(random.status).toBe(200);
    const [record] = (await records("random")).slice(-1);
    expect(record).toMatchObject({ objectType: "token", outcome: "success", details: { bytes: 24 } });
    const everything = JSON.stringify(await (await signet.request("GET", "/v1/audit?limit=1000")).json());
    const bytes = Buffer.from(random.body.random, "base64").toString("hex");
    expect(bytes.length).toBe(48);
    expect(everything).not.toContain(bytes);
    // A length past 2^53 is refused and recorded as text; the log keeps working.
    const huge = await signet.json("GET", "/v1/generateRandom/100000000000000000000");
    expect(huge.status).toBe(400);
    const [refused] = (await records("random")).slice(-1);
    expect(refused).toMatchObject({ outcome: "failure", details: { bytes: "100000000000000000000", errorCode: huge.body.errorCode } });
    expect((await signet.json("GET", "/v1/generateRandom/8")).status).toBe(200);
  });

  test("every start records the settings in force, without secrets", async () => {
    const [start] = await records("service.start");
    const settings = start.details.settings;
    expect(settings).toMatchObject({ pkcs11Mode: "embedded", bootstrapApiKeySet: true, auditOperations: true, tls: "off" });
    expect(typeof settings.workers).toBe("number");
    expect(JSON.stringify(start)).not.toContain(signet.apiKey);
    const pins: Record<string, string> = JSON.parse(readFileSync(join(signet.dataDir, "hsm", "pins.json"), "utf8"));
    expect(Object.values(pins).length).toBeGreaterThanOrEqual(2);
    for (const pin of Object.values(pins)) expect(JSON.stringify(start)).not.toContain(pin);
  });

  test("an import is recorded without its material", async () => {
    const material = Buffer.alloc(32, 7);
    const imported = await signet.json("POST", "/v1/key/import/plain", { label: "ops-imported", algorithm: "AES", secretKey: b64(material), attributes: { decrypt: true } });
    expect(imported.status).toBe(200);
    const record = (await records("key.import")).at(-1);
    expect(record).toMatchObject({ objectId: "ops-imported", outcome: "success", details: { algorithm: "AES", withCertificate: false } });
    expect(JSON.stringify(record)).not.toContain(b64(material));
  });
});

describe("the key allow-list holds for every key operation", () => {
  test("a client limited to other keys is refused 403 / 464 before anything happens, and the denial is recorded", async () => {
    const created = await signet.json("POST", "/v1/admin/clients", { name: "limited-ops", roles: ["keyOperation", "keyManagement"], allowedKeys: ["allowed-*"] });
    expect(created.status).toBe(201);
    const credential = await signet.json("POST", `/v1/admin/clients/${created.body.id}/credentials`, { kind: "apiKey" });
    const as = { "x-api-key": credential.body.secret };
    const attempts: [string, string, unknown][] = [
      ["encrypt", "/v1/encrypt", { encryptRequest: { payload: b64(secret), encryptKeyName: "ops-aes", cipherAlgorithm: "AES_GCM" } }],
      ["wrap", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped: "ops-data", wrapKeyName: "ops-aes", wrapMethod: "AES_WRAP" } }],
      ["hmac", "/v1/synchronousHmac", { hmacRequest: { keyName: "ops-mac", payload: b64(secret) } }],
      ["export", "/v1/key/export/plain", { label: "ops-data" }],
      ["block", "/v1/synchronousBlock", { blockRequest: { blockKeyName: "ops-ec" } }],
      ["certificate", "/v1/certificate/synchronous/selfsign", { signKeyName: "ops-ec", signatureAlgorithm: "SHA256_WITH_ECDSA", validity: 30, commonName: "x" }],
    ];
    const deniedBefore = (await records("access.denied")).length;
    for (const [name, path, body] of attempts) {
      const answer = await signet.json("POST", path, body, as);
      expect({ name, status: answer.status, errorCode: answer.body?.errorCode }).toEqual({ name, status: 403, errorCode: 464 });
    }
    await Bun.sleep(50);
    expect((await records("access.denied")).length - deniedBefore).toBeGreaterThanOrEqual(attempts.length);
    expect((await signet.json("GET", "/v1/key/ops-ec/attributes")).body.json.blocked).toBe(false);
  });
});

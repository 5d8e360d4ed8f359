/**
 * Key versions through the real server: POST /v1/key/{label}/rotate makes a new version in the
 * token; signatures and ciphertexts made with older versions stay verifiable and decryptable
 * (verified by Node against each version's own public key), also after a restart; a minimum
 * version refuses what is below it.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { removeDir, startSignet, tempDir, type RunningSignet } from "../support/server";
import { nodeCrypto, signingCase, verifyWithNode } from "../support/verifier";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

const dataDir = tempDir("rotate");
afterAll(() => removeDir(dataDir));
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");
const message = Buffer.from("made with the first version");

interface Made {
  signature: string;
  spkiV1: string;
  ciphertext: { encryptedPayload: string; initializationVector: string };
  rsaCiphertext: string;
  mac: string;
  wrapped: string;
}

async function sign(signet: RunningSignet, label: string) {
  return signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64(message), signKeyName: label, signatureAlgorithm: "SHA256_WITH_ECDSA" } });
}

async function checkOldData(signet: RunningSignet, made: Made): Promise<void> {
  const verified = await signet.json("POST", "/v1/verify", {
    verifySignatureRequest: { signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64(message), signature: made.signature, keyVersion: "v1" },
  });
  expect(verified.body).toEqual({ signatureValid: true });
  // Without the version the current one is used, and the old signature is not its.
  const current = await signet.json("POST", "/v1/verify", {
    verifySignatureRequest: { signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64(message), signature: made.signature },
  });
  expect(current.body).toEqual({ signatureValid: false });

  const decrypted = await signet.json("POST", "/v1/synchronousDecrypt", {
    decryptRequest: { ...made.ciphertext, decryptKeyName: "aes", cipherAlgorithm: "AES_GCM", keyVersion: "v1" },
  });
  expect(decrypted.body.payload).toBe(b64(message));
  const wrongVersion = await signet.json("POST", "/v1/synchronousDecrypt", { decryptRequest: { ...made.ciphertext, decryptKeyName: "aes", cipherAlgorithm: "AES_GCM" } });
  expect(wrongVersion.body.errorCode).toBe(410);

  const rsa = await signet.json("POST", "/v1/synchronousDecrypt", {
    decryptRequest: { encryptedPayload: made.rsaCiphertext, decryptKeyName: "rsa", cipherAlgorithm: "RSA_PADDING_OAEP_WITH_SHA256", keyVersion: "v1" },
  });
  expect(rsa.body.payload).toBe(b64(message));

  const mac = await signet.json("POST", "/v1/verify", { verifyHmacRequest: { keyName: "hmac", payload: b64(message), signature: made.mac, keyVersion: "v1" } });
  expect(mac.body).toEqual({ signatureValid: true });

  const unwrapped = await signet.json("POST", "/v1/synchronousUnwrap", {
    unwrapKeyRequest: { wrappedKey: made.wrapped, label: `copy-${Date.now()}`, unwrapKeyName: "kek", wrapMethod: "AES_WRAP", keyVersion: "v1" },
  });
  expect(unwrapped.status).toBe(201);
}

describe("rotation", () => {
  test("old versions keep verifying and decrypting after rotation and a restart; a minimum version refuses them", async () => {
    const first = await startSignet({ dataDir });
    const made = {} as Made;
    let spkiV2 = "";
    try {
      for (const key of [
        { label: "ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
        { label: "aes", algorithm: "AES", keySize: 256 },
        { label: "rsa", algorithm: "RSA", keySize: 2048, attributes: { decrypt: true } },
        { label: "hmac", algorithm: "HMACSHA512" },
        { label: "kek", algorithm: "AES", keySize: 128, attributes: { unwrap: true } },
        { label: "data", algorithm: "AES", keySize: 256, attributes: { extractable: true } },
      ]) {
        const created = await first.json("POST", "/v1/key", key);
        expect(created.status).toBe(200);
        if (key.label === "ec") made.spkiV1 = created.body.json.publicKey;
      }
      const signed = await sign(first, "ec");
      expect(signed.body.keyVersion).toBe("v1");
      made.signature = signed.body.signature;
      const encrypted = await first.json("POST", "/v1/encrypt", { encryptRequest: { payload: b64(message), encryptKeyName: "aes", cipherAlgorithm: "AES_GCM" } });
      made.ciphertext = { encryptedPayload: encrypted.body.encryptedPayload, initializationVector: encrypted.body.initializationVector };
      const rsaSpkiV1 = (await first.json("GET", "/v1/key/rsa/attributes")).body.json.publicKey;
      [made.rsaCiphertext] = await nodeCrypto([{ op: "publicEncrypt", spki: rsaSpkiV1, padding: "oaep", oaepHash: "sha256", data: b64(message) }]);
      made.mac = (await first.json("POST", "/v1/synchronousHmac", { hmacRequest: { keyName: "hmac", payload: b64(message) } })).body.keyedHash;
      made.wrapped = (await first.json("POST", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped: "data", wrapKeyName: "kek", wrapMethod: "AES_WRAP" } })).body.wrappedKey;

      for (const label of ["ec", "aes", "rsa", "hmac", "kek"]) {
        const rotated = await first.json("POST", `/v1/key/${label}/rotate`);
        expect({ label, status: rotated.status, keyVersion: rotated.body.json?.keyVersion }).toEqual({ label, status: 200, keyVersion: "v2" });
        expect(rotated.body.json.versions.map((v: { keyVersion: string }) => v.keyVersion)).toEqual(["v1", "v2"]);
      }
      const ec = (await first.json("GET", "/v1/key/ec/attributes")).body.json;
      spkiV2 = ec.publicKey;
      expect(spkiV2).not.toBe(made.spkiV1);
      expect(ec.versions[0].publicKey).toBe(made.spkiV1);
      expect(ec.versions[1].publicKey).toBe(spkiV2);

      // New signatures come from v2 and verify under v2's public key only.
      const newer = await sign(first, "ec");
      expect(newer.body.keyVersion).toBe("v2");
      const jobV2 = signingCase("SHA256_WITH_ECDSA", message, spkiV2).job(Buffer.from(newer.body.signature, "base64"));
      const jobV1 = signingCase("SHA256_WITH_ECDSA", message, made.spkiV1).job(Buffer.from(made.signature, "base64"));
      expect(await verifyWithNode([jobV2, jobV1, { ...jobV2, spki: made.spkiV1 }])).toEqual([true, true, false]);
      const encryptedV2 = await first.json("POST", "/v1/encrypt", { encryptRequest: { payload: b64(message), encryptKeyName: "aes", cipherAlgorithm: "AES_GCM" } });
      expect(encryptedV2.body.keyVersion).toBe("v2");
      await checkOldData(first, made);
      expect(await first.stop()).toBe(0);
    } catch (error) {
      await first.stop();
      throw error;
    }

    const second = await startSignet({ dataDir });
    try {
      expect((await second.json("GET", "/v1/key/ec/attributes")).body.json.keyVersion).toBe("v2");
      await checkOldData(second, made);

      // A minimum version refuses what is below it, for every operation, and can be lowered again.
      for (const label of ["ec", "aes", "rsa", "hmac", "kek"]) {
        const set = await second.json("POST", `/v1/key/${label}/minimumVersion`, { minimumVersion: "v2" });
        expect(set.body.json.minimumVersion).toBe("v2");
      }
      const retired = [
        await second.json("POST", "/v1/verify", { verifySignatureRequest: { signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64(message), signature: made.signature, keyVersion: "v1" } }),
        await second.json("POST", "/v1/synchronousDecrypt", { decryptRequest: { ...made.ciphertext, decryptKeyName: "aes", cipherAlgorithm: "AES_GCM", keyVersion: "v1" } }),
        await second.json("POST", "/v1/verify", { verifyHmacRequest: { keyName: "hmac", payload: b64(message), signature: made.mac, keyVersion: "v1" } }),
        await second.json("POST", "/v1/synchronousUnwrap", { unwrapKeyRequest: { wrappedKey: made.wrapped, label: "never", unwrapKeyName: "kek", wrapMethod: "AES_WRAP", keyVersion: "v1" } }),
      ];
      expect(retired.map((r) => [r.status, r.body.errorCode])).toEqual([[403, 662], [403, 662], [403, 662], [403, 662]]);
      expect((await sign(second, "ec")).status).toBe(200);
      for (const [body, status, errorCode] of [
        [{ minimumVersion: "v3" }, 400, 619],
        [{ minimumVersion: "two" }, 400, 600],
        [{ minimumVersion: "v0" }, 400, 600],
        [{}, 400, 600],
      ] as const) {
        const response = await second.json("POST", "/v1/key/ec/minimumVersion", body);
        expect({ body, status: response.status, errorCode: response.body.errorCode }).toEqual({ body, status, errorCode });
      }
      expect((await second.json("GET", "/v1/key/ec/attributes")).body.json.minimumVersion).toBe("v2");
      await second.json("POST", "/v1/key/ec/minimumVersion", { minimumVersion: "v1" });
      await second.json("POST", "/v1/key/aes/minimumVersion", { minimumVersion: "v1" });
      const again = await second.json("POST", "/v1/synchronousDecrypt", { decryptRequest: { ...made.ciphertext, decryptKeyName: "aes", cipherAlgorithm: "AES_GCM", keyVersion: "v1" } });
      expect(again.body.payload).toBe(b64(message));

      const unknown = await second.json("POST", "/v1/key/ghost/rotate");
      expect({ status: unknown.status, errorCode: unknown.body.errorCode }).toEqual({ status: 404, errorCode: 650 });
      const noVersion = await second.json("POST", "/v1/verify", { verifySignatureRequest: { signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64(message), signature: made.signature, keyVersion: "v7" } });
      expect({ status: noVersion.status, errorCode: noVersion.body.errorCode }).toEqual({ status: 404, errorCode: 661 });

      // Deleting the key removes every version from the token.
      expect((await second.json("DELETE", "/v1/key/ec")).status).toBe(200);
      expect((await second.json("GET", "/v1/key")).body).not.toContain("ec");
    } finally {
      await second.stop();
    }
  });

  test("concurrent rotations make consecutive versions", async () => {
    const signet = await startSignet();
    try {
      await signet.json("POST", "/v1/key", { label: "busy", algorithm: "ED" });
      const results = await Promise.all([1, 2, 3].map(() => signet.json("POST", "/v1/key/busy/rotate")));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(results.map((r) => r.body.json.keyVersion).sort()).toEqual(["v2", "v3", "v4"]);
      const versions = (await signet.json("GET", "/v1/key/busy/attributes")).body.json.versions;
      expect(new Set(versions.map((v: { publicKey: string }) => v.publicKey)).size).toBe(4);
    } finally {
      await signet.stop();
      removeDir(signet.dataDir);
    }
  });
});

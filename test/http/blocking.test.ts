/**
 * synchronousBlock / synchronousUnblock and synchronousModify through the real server. A blocked
 * key refuses every operation with 660, stays blocked across a restart, and works again (its
 * signatures verified by Node) once unblocked, after another restart. Modify tightens
 * attributes on the token and never loosens them.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { removeDir, startSignet, tempDir, type RunningSignet } from "../support/server";
import { signingCase, verifyWithNode } from "../support/verifier";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

const dataDir = tempDir("block");
afterAll(() => removeDir(dataDir));
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");

const KEYS = [
  { label: "ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7", policy: { ruleUse: { tokens: [] }, keyStatus: { blocked: false } } },
  { label: "aes", algorithm: "AES", keySize: 256, attributes: { extractable: true, sensitive: false } },
  { label: "hmac", algorithm: "HMACSHA256" },
  { label: "kek", algorithm: "AES", keySize: 256, attributes: { unwrap: true } },
  { label: "mod", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7", attributes: { modifiable: true, extractable: true, sensitive: false } },
  { label: "mod-aes", algorithm: "AES", keySize: 128, attributes: { modifiable: true } },
  { label: "fixed", algorithm: "ED" },
];

/** Every operation on `label`, each expected to answer 660 while it is blocked. */
function everyOperation(signet: RunningSignet, label: string, kind: "ec" | "aes" | "hmac" | "kek") {
  const ops: [string, () => Promise<{ status: number; body: any }>][] = [];
  if (kind === "ec") {
    ops.push(["sign", () => signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64("x"), signKeyName: label, signatureAlgorithm: "SHA256_WITH_ECDSA" } })]);
    ops.push(["verify", () => signet.json("POST", "/v1/verify", { verifySignatureRequest: { payload: b64("x"), signKeyName: label, signatureAlgorithm: "SHA256_WITH_ECDSA", signature: b64("sig") } })]);
    ops.push(["rotate", () => signet.json("POST", `/v1/key/${label}/rotate`)]);
    ops.push(["certificate request", () => signet.json("POST", "/v1/certificate/synchronous/request", { signKeyName: label, signatureAlgorithm: "SHA256_WITH_ECDSA", standardCertificateAttributes: { commonName: "x" } })]);
    ops.push(["self-signed certificate", () => signet.json("POST", "/v1/certificate/synchronous/selfsign", { signKeyName: label, signatureAlgorithm: "SHA256_WITH_ECDSA", commonName: "x" })]);
    ops.push(["delete certificate", () => signet.json("DELETE", `/v1/certificate/${label}`)]);
  }
  if (kind === "aes") {
    ops.push(["encrypt", () => signet.json("POST", "/v1/encrypt", { encryptRequest: { payload: b64("x"), encryptKeyName: label, cipherAlgorithm: "AES_GCM" } })]);
    ops.push(["decrypt", () => signet.json("POST", "/v1/synchronousDecrypt", { decryptRequest: { encryptedPayload: b64(Buffer.alloc(32)), decryptKeyName: label, cipherAlgorithm: "AES_GCM", initializationVector: b64(Buffer.alloc(12)), keyVersion: "v1" } })]);
    ops.push(["export", () => signet.json("POST", "/v1/key/export/plain", { label })]);
    ops.push(["be wrapped", () => signet.json("POST", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped: label, wrapKeyName: "kek", wrapMethod: "AES_WRAP" } })]);
  }
  if (kind === "hmac") {
    ops.push(["hmac", () => signet.json("POST", "/v1/synchronousHmac", { hmacRequest: { keyName: label, payload: b64("x") } })]);
    ops.push(["verify hmac", () => signet.json("POST", "/v1/verify", { verifyHmacRequest: { keyName: label, payload: b64("x"), signature: b64(Buffer.alloc(32)) } })]);
  }
  if (kind === "kek") {
    ops.push(["wrap", () => signet.json("POST", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped: "aes", wrapKeyName: label, wrapMethod: "AES_WRAP" } })]);
    ops.push(["unwrap", () => signet.json("POST", "/v1/synchronousUnwrap", { unwrapKeyRequest: { wrappedKey: b64(Buffer.alloc(40)), label: "never", unwrapKeyName: label, wrapMethod: "AES_WRAP" } })]);
  }
  return ops;
}

describe("block and unblock", () => {
  test("a blocked key refuses every operation, stays blocked across a restart, and works after unblocking and another restart", async () => {
    const first = await startSignet({ dataDir });
    let spki = "";
    try {
      for (const key of KEYS) {
        const created = await first.json("POST", "/v1/key", key);
        expect(created.status).toBe(200);
        if (key.label === "ec") spki = created.body.json.publicKey;
      }
      for (const [label, kind] of [["ec", "ec"], ["aes", "aes"], ["hmac", "hmac"], ["kek", "kek"]] as const) {
        const blocked = await first.json("POST", "/v1/synchronousBlock", { blockRequest: { blockKeyName: label } });
        expect(blocked.status).toBe(200);
        expect(blocked.body.json.blocked).toBe(true);
        for (const [name, call] of everyOperation(first, label, kind)) {
          const { status, body } = await call();
          expect({ label, name, status, errorCode: body.errorCode }).toEqual({ label, name, status: 403, errorCode: 660 });
        }
      }
      // The TSB policy's keyStatus tells the truth too; reading and listing still work.
      const described = await first.json("GET", "/v1/key/ec/attributes");
      expect(described.body.json.policy.keyStatus.blocked).toBe(true);
      expect((await first.json("GET", "/v1/key")).status).toBe(200);
      // Blocking twice is harmless.
      expect((await first.json("POST", "/v1/synchronousBlock", { blockRequest: { blockKeyName: "ec" } })).status).toBe(200);
      expect(await first.stop()).toBe(0);
    } catch (error) {
      await first.stop();
      throw error;
    }

    const second = await startSignet({ dataDir, apiKey: first.apiKey });
    try {
      for (const [label, kind] of [["ec", "ec"], ["aes", "aes"]] as const) {
        const [, call] = everyOperation(second, label, kind)[0]!;
        const { status, body } = await call();
        expect({ label, status, errorCode: body.errorCode }).toEqual({ label, status: 403, errorCode: 660 });
      }
      // The Go client's unblock body, and the block-shaped one.
      const unblocked = await second.json("POST", "/v1/synchronousUnblock", { unblockRequest: { unblockKeyName: "ec" } });
      expect(unblocked.status).toBe(200);
      expect(unblocked.body.json.blocked).toBe(false);
      expect(unblocked.body.json.policy.keyStatus.blocked).toBe(false);
      expect((await second.json("POST", "/v1/synchronousUnblock", { blockRequest: { blockKeyName: "aes" } })).status).toBe(200);
      expect(await second.stop()).toBe(0);
    } catch (error) {
      await second.stop();
      throw error;
    }

    const third = await startSignet({ dataDir, apiKey: first.apiKey });
    try {
      const message = Buffer.from("signed after unblocking");
      const testCase = signingCase("SHA256_WITH_ECDSA", message, spki);
      const signed = await third.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64(message), signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA" } });
      expect(signed.status).toBe(200);
      expect(await verifyWithNode([testCase.job(Buffer.from(signed.body.signature, "base64"))])).toEqual([true]);
      const encrypted = await third.json("POST", "/v1/encrypt", { encryptRequest: { payload: b64("x"), encryptKeyName: "aes", cipherAlgorithm: "AES_GCM" } });
      expect(encrypted.status).toBe(200);
      // Still blocked: the ones not unblocked.
      const mac = await third.json("POST", "/v1/synchronousHmac", { hmacRequest: { keyName: "hmac", payload: b64("x") } });
      expect(mac.body.errorCode).toBe(660);

      for (const [name, body, status, errorCode] of [
        ["block an unknown key", { blockRequest: { blockKeyName: "ghost" } }, 404, 650],
        ["block without a key name", { blockRequest: {} }, 400, 600],
        ["block a label with a control character", { blockRequest: { blockKeyName: "bad\u0001" } }, 400, 610],
      ] as const) {
        const response = await third.json("POST", "/v1/synchronousBlock", body);
        expect({ name, status: response.status, errorCode: response.body.errorCode }).toEqual({ name, status, errorCode });
      }
      const unblockNothing = await third.json("POST", "/v1/synchronousUnblock", {});
      expect({ status: unblockNothing.status, errorCode: unblockNothing.body.errorCode }).toEqual({ status: 400, errorCode: 600 });
    } finally {
      await third.stop();
    }
  });
});

describe("modify", () => {
  let signet: RunningSignet;
  const modify = (fields: Record<string, unknown>) => signet.json("POST", "/v1/synchronousModify", { modifyRequest: { modifyKeyName: "mod", ...fields } });

  test("attributes tighten on the token, never loosen; the policy is replaced; unmodifiable keys refuse", async () => {
    signet = await startSignet();
    try {
      for (const key of KEYS) expect((await signet.json("POST", "/v1/key", key)).status).toBe(200);
      const policy = { ruleUse: { tokens: [{ name: "main", timelock: 0, timeout: 0, groups: [] }] } };
      const changed = await modify({ policy, attributes: { sign: false, sensitive: true } });
      expect(changed.status).toBe(200);
      expect(changed.body.json.policy).toEqual(policy);
      expect(changed.body.json.attributes).toMatchObject({ sign: false, sensitive: true, modifiable: true });
      // The token enforces it: the key no longer signs, and its value no longer leaves.
      const sign = await signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64("x"), signKeyName: "mod", signatureAlgorithm: "SHA256_WITH_ECDSA" } });
      expect({ status: sign.status, errorCode: sign.body.errorCode }).toEqual({ status: 403, errorCode: 614 });
      const exported = await signet.json("POST", "/v1/key/export/plain", { label: "mod" });
      expect(exported.body.errorCode).toBe(614);

      const aes = await signet.json("POST", "/v1/synchronousModify", { modifyRequest: { modifyKeyName: "mod-aes", attributes: { decrypt: false } } });
      expect(aes.body.json.attributes.decrypt).toBe(false);
      const encrypt = await signet.json("POST", "/v1/encrypt", { encryptRequest: { payload: b64("x"), encryptKeyName: "mod-aes", cipherAlgorithm: "AES_GCM" } });
      expect(encrypt.body.errorCode).toBe(614);

      const before = (await signet.json("GET", "/v1/key/mod/attributes")).body.json;
      for (const [name, fields, status, errorCode] of [
        ["loosen sign again", { attributes: { sign: true } }, 400, 606],
        ["make it not sensitive again", { attributes: { sensitive: false } }, 400, 606],
        ["an attribute that is not modified", { attributes: { teleport: false } }, 400, 606],
        ["change nothing", {}, 400, 600],
        ["unknown key", { modifyKeyName: "ghost", policy: {} }, 404, 650],
        ["a key that is not modifiable", { modifyKeyName: "fixed", policy: {} }, 403, 614],
        ["modifyRequest missing", null, 400, 600],
      ] as const) {
        const response = fields === null ? await signet.json("POST", "/v1/synchronousModify", {}) : await modify(fields);
        expect({ name, status: response.status, errorCode: response.body.errorCode }).toEqual({ name, status, errorCode });
      }
      expect((await signet.json("GET", "/v1/key/mod/attributes")).body.json).toEqual(before);

      const sealed = await modify({ attributes: { extractable: false, derive: false } });
      expect(sealed.body.json.attributes).toMatchObject({ extractable: false, derive: false });
      // Fixed when the key is made.
      for (const attribute of ["modifiable", "destroyable", "copyable"]) {
        const frozen = await modify({ attributes: { [attribute]: false } });
        expect({ attribute, status: frozen.status, errorCode: frozen.body.errorCode }).toEqual({ attribute, status: 400, errorCode: 606 });
      }
    } finally {
      await signet.stop();
      removeDir(signet.dataDir);
    }
  });
});

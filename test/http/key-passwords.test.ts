/**
 * Key passwords on every route that names a key: each password field of the TSB bodies (and
 * Signet's extensions) is checked; a wrong, missing or superfluous password answers 403 / 620,
 * changes nothing, and is recorded in the audit log; a changed password takes effect at once
 * even where the old one had been verified and remembered; passwords survive a restart.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { stateOf } from "../support/tsb-setup";
import { signingCase, verifyWithNode } from "../support/verifier";

let signet: RunningSignet;
const P256 = "1.2.840.10045.3.1.7";
const PW = ["k", "e", "y", "-", "p", "w"];
const b64 = (data: string | Uint8Array) => Buffer.from(data).toString("base64");

async function create(body: Record<string, unknown>): Promise<any> {
  const created = await signet.json("POST", "/v1/key", body);
  expect(created.status).toBe(200);
  return created.body.json;
}

async function refusedWith620(call: () => Promise<{ status: number; body: any }>, what: string): Promise<void> {
  const before = await stateOf(signet);
  const answer = await call();
  expect({ what, status: answer.status, errorCode: answer.body?.errorCode }).toEqual({ what, status: 403, errorCode: 620 });
  expect(answer.body.reason).toBe("res.error.key.password.mismatch");
  expect(await stateOf(signet)).toBe(before);
}

beforeAll(async () => {
  signet = await startSignet();
  await create({ label: "pw-ec", algorithm: "EC", curveOid: P256, password: PW, attributes: { sign: true, modifiable: true } });
  await create({ label: "pw-aes", algorithm: "AES", keySize: 256, password: PW, attributes: { decrypt: true, unwrap: true, extractable: true } });
  await create({ label: "pw-aes-x", algorithm: "AES", keySize: 128, password: "other", attributes: { decrypt: true, extractable: true, sensitive: false } });
  await create({ label: "pw-rsa", algorithm: "RSA", keySize: 2048, password: PW, attributes: { sign: true, decrypt: true, unwrap: true } });
  await create({ label: "pw-hmac", algorithm: "HMACSHA256", password: PW });
  await create({ label: "no-pw", algorithm: "EC", curveOid: P256 });
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("every password field", () => {
  // Each route, with the body a TSB client sends; `password` is put into the field the TSB names.
  const ROUTES: [string, (password: unknown) => Promise<{ status: number; body: any }>][] = [
    ["synchronousSign keyPassword", (p) => signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64("x"), signKeyName: "pw-ec", signatureAlgorithm: "SHA256_WITH_ECDSA", keyPassword: p } })],
    ["batchSign keyPassword", async (p) => {
      const answer = await signet.json("POST", "/v1/batchSign", { requests: [{ signKeyName: "pw-ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64("x"), keyPassword: p }] });
      const item = answer.body.results[0];
      return item.errorCode ? { status: 403, body: item } : { status: 200, body: item };
    }],
    ["verify masterKeyPassword", (p) => signet.json("POST", "/v1/verify", { verifySignatureRequest: { signKeyName: "pw-ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64("x"), signature: b64("not a signature"), masterKeyPassword: p } })],
    ["encrypt keyPassword", (p) => signet.json("POST", "/v1/encrypt", { encryptRequest: { payload: b64("x"), encryptKeyName: "pw-aes", cipherAlgorithm: "AES_GCM", keyPassword: p } })],
    ["synchronousDecrypt keyPassword", (p) => signet.json("POST", "/v1/synchronousDecrypt", { decryptRequest: { encryptedPayload: b64("0123456789abcdef"), decryptKeyName: "pw-rsa", cipherAlgorithm: "RSA_PADDING_OAEP_WITH_SHA256", keyPassword: p } })],
    ["wrap wrapKeyPassword", (p) => signet.json("POST", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped: "pw-aes-x", keyToBeWrappedPassword: "other", wrapKeyName: "pw-aes", wrapKeyPassword: p, wrapMethod: "AES_WRAP" } })],
    ["wrap keyToBeWrappedPassword", (p) => signet.json("POST", "/v1/wrap", { wrapKeyRequest: { keyToBeWrapped: "pw-aes", keyToBeWrappedPassword: p, wrapKeyName: "pw-rsa", wrapKeyPassword: PW, wrapMethod: "RSA_WRAP_OAEP" } })],
    ["synchronousUnwrap unwrapKeyPassword", (p) => signet.json("POST", "/v1/synchronousUnwrap", { unwrapKeyRequest: { wrappedKey: b64(Buffer.alloc(24, 1)), label: "never-unwrapped", unwrapKeyName: "pw-aes", unwrapKeyPassword: p, wrapMethod: "AES_WRAP" } })],
    ["synchronousHmac keyPassword", (p) => signet.json("POST", "/v1/synchronousHmac", { hmacRequest: { keyName: "pw-hmac", payload: b64("x"), keyPassword: p } })],
    ["verify HMAC keyPassword", (p) => signet.json("POST", "/v1/verify", { verifyHmacRequest: { keyName: "pw-hmac", payload: b64("x"), signature: b64(Buffer.alloc(32)), keyPassword: p } })],
    ["synchronousBlock keyPassword", (p) => signet.json("POST", "/v1/synchronousBlock", { blockRequest: { blockKeyName: "pw-rsa", keyPassword: p } })],
    ["synchronousUnblock keyPassword", (p) => signet.json("POST", "/v1/synchronousUnblock", { unblockRequest: { unblockKeyName: "pw-rsa", keyPassword: p } })],
    ["synchronousModify keyPassword", (p) => signet.json("POST", "/v1/synchronousModify", { modifyRequest: { modifyKeyName: "pw-ec", keyPassword: p, policy: { ruleUse: { tokens: [] } } } })],
    ["key attributes password", (p) => signet.json("POST", "/v1/key/attributes", { label: "pw-ec", password: p })],
    ["export password", (p) => signet.json("POST", "/v1/key/export/plain", { label: "pw-aes-x", password: p === PW ? "other" : p })],
    ["rotate password", (p) => signet.json("POST", "/v1/key/pw-ec/rotate", { password: p })],
    ["minimumVersion password", (p) => signet.json("POST", "/v1/key/pw-ec/minimumVersion", { minimumVersion: "v1", password: p })],
    ["certificate request keyPassword", (p) => signet.json("POST", "/v1/certificate/synchronous/request", { signKeyName: "pw-ec", keyPassword: p, signatureAlgorithm: "SHA256_WITH_ECDSA", standardCertificateAttributes: { commonName: "pw" } })],
    ["token jwt keyPassword", (p) => signet.json("POST", "/v1/token/jwt", { signKeyName: "pw-ec", algorithm: "ES256", claims: { sub: "x" }, keyPassword: p })],
  ];

  for (const [name, call] of ROUTES) {
    test(`${name}: wrong, missing and empty passwords are refused and change nothing; the right one is taken`, async () => {
      await refusedWith620(() => call(["w", "r", "o", "n", "g"]), `${name} wrong`);
      await refusedWith620(() => call(undefined), `${name} missing`);
      await refusedWith620(() => call([]), `${name} empty array`);
      await refusedWith620(() => call(""), `${name} empty string`);
      const right = await call(PW);
      expect({ name, errorCode: right.body?.errorCode ?? null }).not.toEqual({ name, errorCode: 620 });
      expect([200, 201, 400]).toContain(right.status);
    });
  }

  test("a password for a key that has none is refused too; none, null, [] and \"\" are all no password", async () => {
    const sign = (keyPassword: unknown) => signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64("x"), signKeyName: "no-pw", signatureAlgorithm: "SHA256_WITH_ECDSA", keyPassword } });
    await refusedWith620(() => sign(["x"]), "superfluous password");
    for (const none of [undefined, null, [], ""]) expect((await sign(none)).status).toBe(200);
  });

  test("the password may come as a string; array items of more than one character are refused (600)", async () => {
    const sign = (keyPassword: unknown) => signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64("x"), signKeyName: "pw-ec", signatureAlgorithm: "SHA256_WITH_ECDSA", keyPassword } });
    expect((await sign("key-pw")).status).toBe(200);
    const bad = await sign(["key", "-pw"]);
    expect({ status: bad.status, errorCode: bad.body.errorCode }).toEqual({ status: 400, errorCode: 600 });
  });

  test("DELETE /v1/key/{label} carries no password: a key with one answers 620 and stays", async () => {
    await refusedWith620(() => signet.json("DELETE", "/v1/key/pw-aes-x"), "DELETE");
    await refusedWith620(() => signet.json("GET", "/v1/key/pw-aes-x/attributes"), "GET attributes");
  });
});

describe("remembered passwords", () => {
  test("signatures with a verified password are real signatures, and a changed password takes effect at once", async () => {
    const json = await create({ label: "pw-change", algorithm: "EC", curveOid: P256, password: "first", attributes: { sign: true, modifiable: true } });
    const sign = (keyPassword: string) => signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64("remember"), signKeyName: "pw-change", signatureAlgorithm: "SHA256_WITH_ECDSA", keyPassword } });
    const signatures = await Promise.all(Array.from({ length: 20 }, () => sign("first")));
    expect(signatures.every((s) => s.status === 200)).toBe(true);
    const testCase = signingCase("SHA256_WITH_ECDSA", Buffer.from("remember"), json.publicKey);
    expect(await verifyWithNode(signatures.map((s) => testCase.job(Buffer.from(s.body.signature, "base64"))))).toEqual(Array(20).fill(true));
    // The verified password is remembered; a wrong one is not, however often it comes.
    for (let i = 0; i < 3; i++) expect((await sign("second")).body.errorCode).toBe(620);
    const changed = await signet.json("POST", "/v1/key/changePassword", { label: "pw-change", password: "first", newPassword: "second" });
    expect(changed.status).toBe(200);
    expect(changed.body.json.passwordProtected).toBe(true);
    expect((await sign("first")).body.errorCode).toBe(620);
    expect((await sign("second")).status).toBe(200);
  });

  test("failures and changes are in the audit log, never a password", async () => {
    const refusals = await signet.json("GET", "/v1/audit?action=key.password.refused&object=pw-change&limit=1000");
    expect(refusals.body.records.length).toBeGreaterThanOrEqual(4);
    expect(refusals.body.records[0]).toMatchObject({ outcome: "denied", objectType: "key", details: { errorCode: 620, operation: "sign" } });
    const changes = await signet.json("GET", "/v1/audit?action=key.password.change&object=pw-change");
    expect(changes.body.records.map((r: { outcome: string }) => r.outcome)).toEqual(["success"]);
    const everything = JSON.stringify((await signet.json("GET", "/v1/audit?limit=1000")).body);
    for (const secret of ["first", "second", "key-pw"]) expect(everything).not.toContain(`"${secret}"`);
    expect(everything).not.toContain('"k","e","y"');
  });

  test("rotation keeps the password; a restart keeps it too", async () => {
    const rotated = await signet.json("POST", "/v1/key/pw-change/rotate", { password: "second" });
    expect(rotated.body.json.keyVersion).toBe("v2");
    await signet.stop();
    signet = await startSignet({ dataDir: signet.dataDir, apiKey: signet.apiKey });
    const sign = (keyPassword: string) => signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: b64("after"), signKeyName: "pw-change", signatureAlgorithm: "SHA256_WITH_ECDSA", keyPassword } });
    expect((await sign("first")).body.errorCode).toBe(620);
    const signed = await sign("second");
    expect(signed.body.keyVersion).toBe("v2");
  }, 60_000);
});

/**
 * Signet driven as securosys-com/tsb-client-go drives a TSB (test/support/tsb-client.ts re-creates
 * its requests byte for byte in shape): the connection check with API key rollover, the licence
 * flags, creating keys as CreateOrUpdateKey does (the client's own test keys and the Vault
 * plugin's), reading them as GetKey does (with its type assertions), their signed XML checked
 * with openssl, deleting and changing passwords, import and export; and the error statuses
 * and codes as the client reads them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { openssl } from "../support/openssl";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { GoTransportError, TsbError, TsbGoClient, goTestAttributes } from "../support/tsb-client";
import { checkAttestation, roleKeys, stateOf, type RoleKeys } from "../support/tsb-setup";
import { nodeCrypto } from "../support/verifier";

let signet: RunningSignet;
let keys: RoleKeys;
let client: TsbGoClient;
let attestationPem = "";

const P256 = "1.2.840.10045.3.1.7";
const ED25519 = "1.3.101.112";

beforeAll(async () => {
  signet = await startSignet();
  keys = await roleKeys(signet);
  client = new TsbGoClient(signet.url, {
    keyManagementToken: [keys.keyManagement],
    keyOperationToken: [keys.keyOperation],
    serviceToken: [keys.service],
  });
  const attestation = await signet.json("GET", "/v1/attestation/publicKey", undefined, { "x-api-key": keys.keyManagement });
  expect(attestation.status).toBe(200);
  attestationPem = attestation.body.publicKeyPem;
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

async function expectTsbError(call: Promise<unknown>, status: number, errorCode: number): Promise<TsbError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TsbError);
  const tsb = error as TsbError;
  expect({ status: tsb.status, errorCode: tsb.json().errorCode }).toEqual({ status, errorCode });
  expect(tsb.json()).toEqual({ errorCode, reason: expect.stringMatching(/^res\.error\./), message: expect.any(String) });
  return tsb;
}

describe("connection check and API keys", () => {
  test("CheckConnection: GET /v1/keystore/statistics with the service key; an unknown first key rolls over (401, 631) to the next", async () => {
    const rolling = new TsbGoClient(signet.url, { serviceToken: [`sgk_${randomBytes(32).toString("base64url")}`, keys.service] });
    const { status, body } = await rolling.checkConnection();
    expect(status).toBe(200);
    expect(rolling.sent.map((r) => r.status)).toEqual([401, 200]);
    const statistics = JSON.parse(body);
    expect(statistics.keyStoreStatistics).toEqual(expect.any(String));
    expect(statistics.token.manufacturer).toBe("SoftHSM project");
    const capabilities = statistics.capabilities;
    expect(capabilities.mechanisms).toContain("CKM_DSA_PARAMETER_GEN");
    const served = (kind: string) => capabilities[kind].available.map((a: { name: string }) => a.name);
    expect(served("keyTypes")).toEqual(expect.arrayContaining(["RSA", "EC", "ED", "DSA", "AES", "TDEA"]));
    expect(served("signatureAlgorithms")).toEqual(expect.arrayContaining(["SHA256_WITH_DSA", "NONE_WITH_DSA", "KECCAK256_WITH_ECDSA", "SHA3512_WITH_ECDSA", "NONE_WITH_RSA_PSS"]));
    expect(served("cipherAlgorithms")).toEqual(expect.arrayContaining(["TDEA_CBC", "TDEA_CBC_NO_PADDING"]));
    expect(served("wrapMethods")).toContain("AES_WRAP_PAD_DSA");
    // SoftHSM signs ECDSA with random nonces: the deterministic algorithm is listed as not served, with the reason.
    expect(capabilities.traits).toEqual({ deterministicEcdsa: false });
    expect(capabilities.signatureAlgorithms.unavailable).toEqual([{ name: "SHA256_WITH_ECDSA_DETERMINISTIC", missing: expect.stringContaining("RFC 6979") }]);
    const keccak = capabilities.signatureAlgorithms.available.find((a: { name: string }) => a.name === "KECCAK256_WITH_ECDSA");
    expect(keccak).toEqual({ name: "KECCAK256_WITH_ECDSA", mechanisms: ["CKM_ECDSA"], digest: "service" });
  });

  test("every key of a role's list invalid: the client gives up after trying each", async () => {
    const bad = () => `sgk_${randomBytes(32).toString("base64url")}`;
    const rolling = new TsbGoClient(signet.url, { serviceToken: [bad(), bad()] });
    const error = await rolling.checkConnection().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TsbError);
    expect((error as TsbError).body).toBe("All apikeys in group ServiceToken are invalid");
    expect(rolling.sent.map((r) => [r.status, JSON.parse(r.response).errorCode])).toEqual([
      [401, 631],
      [401, 631],
    ]);
  });

  test("rollover of a request with a body fails in the client itself (its drained body cannot be sent again), and nothing is created", async () => {
    const before = await stateOf(signet);
    const rolling = new TsbGoClient(signet.url, { keyManagementToken: [`sgk_${randomBytes(32).toString("base64url")}`, keys.keyManagement] });
    const error = await rolling.createOrUpdateKey("never-rolled", "", { sign: true }, "EC", 0, null, P256, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoTransportError);
    expect(rolling.sent.map((r) => r.status)).toEqual([401]);
    expect(await stateOf(signet)).toBe(before);
  });

  test("GET /v1/licenseInfo answers the TSB's shape to the service role only", async () => {
    const license = await signet.json("GET", "/v1/licenseInfo", undefined, { "x-api-key": keys.service });
    expect(license).toMatchObject({ status: 200, body: { clientFlags: ["REST_API"] } });
    for (const path of ["/v1/licenseInfo", "/v1/keystore/statistics"]) {
      const refused = await signet.json("GET", path, undefined, { "x-api-key": keys.keyOperation });
      expect({ path, status: refused.status, errorCode: refused.body.errorCode }).toEqual({ path, status: 403, errorCode: 400 });
      const anonymous = await fetch(`${signet.url}${path}`);
      expect({ path, status: anonymous.status }).toEqual({ path, status: 401 });
    }
    const document = await (await fetch(`${signet.url}/docs/json`)).json();
    expect(document.paths["/v1/licenseInfo"].get.operationId).toBe("licenseInfo");
    expect(document.paths["/v1/keystore/statistics"].get.operationId).toBe("keyStoreStatistics");
  });

  test("statistics count only the keys the caller may use", async () => {
    const { apiKeyFor } = await import("../support/tsb-setup");
    await client.createOrUpdateKey("count-me", "", { sign: true }, "EC", 0, null, P256, false);
    const limited = await apiKeyFor(signet, "limited-service", ["service"], { allowedKeys: ["nothing-*"] });
    const mine = await signet.json("GET", "/v1/keystore/statistics", undefined, { "x-api-key": limited });
    expect(mine.body.keys).toEqual({ total: 0, byAlgorithm: {} });
    const all = await signet.json("GET", "/v1/keystore/statistics", undefined, { "x-api-key": keys.service });
    expect(all.body.keys.total).toBeGreaterThan(0);
    expect(all.body.keyStoreStatistics).toContain(`${all.body.keys.total} keys`);
  });
});

describe("keys as CreateOrUpdateKey makes them and GetKey reads them", () => {
  // The client's own test cases (key_test.go): every type with the same attributes, TDEA without a keySize.
  const CASES = [
    { keyType: "EC", label: "go-client-test-ec", keySize: 0, curveOid: P256 },
    { keyType: "ED", label: "go-client-test-ed", keySize: 0, curveOid: ED25519 },
    { keyType: "RSA", label: "go-client-test-rsa", keySize: 2048, curveOid: "" },
    { keyType: "DSA", label: "go-client-test-dsa", keySize: 2048, curveOid: "" },
    { keyType: "AES", label: "go-client-test-aes", keySize: 256, curveOid: "" },
    { keyType: "TDEA", label: "go-client-test-tdea", keySize: 0, curveOid: "" },
  ] as const;
  // What each type does with the attributes the client asks for (sign, decrypt and unwrap all true).
  const USAGES: Record<string, { sign: boolean; decrypt: boolean; unwrap: boolean }> = {
    EC: { sign: true, decrypt: false, unwrap: false },
    ED: { sign: true, decrypt: false, unwrap: false },
    RSA: { sign: true, decrypt: true, unwrap: true },
    DSA: { sign: true, decrypt: false, unwrap: false },
    AES: { sign: false, decrypt: true, unwrap: true },
    TDEA: { sign: false, decrypt: true, unwrap: false },
  };

  test("every type the client's tests create is created, read back, and its signed XML verifies with openssl", async () => {
    for (const c of CASES) {
      const label = await client.createOrUpdateKey(c.label, "", goTestAttributes(), c.keyType, c.keySize, null, c.curveOid, false);
      expect(label).toBe(c.label);
      const key = await client.getKey(c.label, "");
      expect({ label: key.label, algorithm: key.algorithm }).toEqual({ label: c.label, algorithm: c.keyType });
      expect(key.algorithmOid).toMatch(/^[0-9.]+$/);
      expect({ type: c.keyType, usages: { sign: key.attributes.sign, decrypt: key.attributes.decrypt, unwrap: key.attributes.unwrap } }).toEqual({ type: c.keyType, usages: USAGES[c.keyType]! });
      expect(key.attributes).toMatchObject({ extractable: true, destroyable: true });
      if (c.keyType === "RSA" || c.keyType === "DSA") expect(key.keySize).toBe(c.keySize);
      if (c.keyType === "TDEA") expect(key.keySize).toBe(192);
      if (c.keyType === "EC") expect(key.curveOid).toBe(P256);
      expect(key.policy).toBeNull();
      expect(key.attestationKeyName).toBe("_signet-attestation");
      const attestation = checkAttestation(key.xml, key.xmlSignature, attestationPem);
      expect({ label: c.label, signatureValid: attestation.signatureValid }).toEqual({ label: c.label, signatureValid: true });
      expect(attestation.parsed.label).toBe(c.label);
      expect(attestation.parsed.algorithm).toBe(c.keyType);
      expect(attestation.parsed.attributes.sign).toBe(String(key.attributes.sign));
      expect(attestation.parsed.attributes.never_extractable).toBe("false");
      if (["EC", "ED", "RSA", "DSA"].includes(c.keyType)) {
        expect(attestation.parsed.public_key).toBe(key.publicKey);
        // The public key is DER SubjectPublicKeyInfo that OpenSSL reads.
        const parsed = openssl(["pkey", "-pubin", "-inform", "DER", "-noout", "-text", "-in", "{key.der}"], { "key.der": Buffer.from(key.publicKey, "base64") });
        expect({ label: c.label, code: parsed.code }).toEqual({ label: c.label, code: 0 });
      } else {
        expect(key.publicKey).toBe("");
      }
    }
    expect((await client.getKeys()).filter((l) => l.startsWith("go-client-test-")).sort()).toEqual(CASES.map((c) => c.label).sort());
  }, 60_000);

  test("a tampered XML no longer verifies, so the check above can fail", async () => {
    const key = await client.getKey("go-client-test-ec", "");
    expect(checkAttestation(key.xml.replace("<extractable>true</extractable>", "<extractable>false</extractable>"), key.xmlSignature, attestationPem).signatureValid).toBe(false);
  });

  test("types the client lists and Signet does not create answer 613 and create nothing", async () => {
    const before = await stateOf(signet);
    for (const [keyType, keySize] of [["BLS", 0], ["ChaCha20", 256], ["Camellia", 256]] as const) {
      await expectTsbError(client.createOrUpdateKey(`go-client-test-${keyType.toLowerCase()}`, "", goTestAttributes(), keyType, keySize, null, "", false), 400, 613);
    }
    expect(await stateOf(signet)).toBe(before);
  });

  test("create-or-update on a label in use is refused (400, 608) and changes nothing: the client never updates through this route", async () => {
    const before = await stateOf(signet);
    const existing = await client.getKey("go-client-test-rsa", "");
    await expectTsbError(client.createOrUpdateKey("go-client-test-rsa", "", { sign: true }, "RSA", 3072, null, "", true), 400, 608);
    expect(await stateOf(signet)).toBe(before);
    expect((await client.getKey("go-client-test-rsa", "")).publicKey).toBe(existing.publicKey);
  });

  test("the Vault plugin's way: a simplified policy with no approvers, the label suffixed _v1, rotation as a new _v2 label", async () => {
    // helpers.PreparePolicy("{}", true) in the plugin: every rule with one token and no groups, keyStatus not blocked.
    const token = { name: "main", timelock: 0, timeout: 0, groups: null };
    const policy = { ruleUse: { tokens: [token] }, ruleBlock: { tokens: [token] }, ruleUnblock: { tokens: [token] }, ruleModify: { tokens: [token] }, keyStatus: { blocked: false } };
    const attributes = { sign: true, decrypt: false, unwrap: false, extractable: false, destroyable: true, modifiable: true };
    await client.createOrUpdateKey("vault-key_v1", "", attributes, "EC", 0, policy, P256, false);
    const v1 = await client.getKey("vault-key_v1", "");
    expect(v1.policy).toEqual(policy);
    await client.createOrUpdateKey("vault-key_v2", "", attributes, "EC", 0, v1.policy, P256, false);
    const v2 = await client.getKey("vault-key_v2", "");
    expect(v2.publicKey).not.toBe(v1.publicKey);
    // An extractable key goes without a policy, as the client sends it.
    await client.createOrUpdateKey("vault-aes_v1", "", { decrypt: true, extractable: true, destroyable: true, modifiable: true }, "AES", 256, policy, "", false);
    expect((await client.getKey("vault-aes_v1", "")).policy).toBeNull();
  });
});

describe("passwords through the client", () => {
  // Characters above ASCII and the ones Go's JSON escapes: the client sends the UTF-8 bytes, one character each.
  const password = "pä$s<&>word";

  test("a key made with a password is read, changed and deleted only with it", async () => {
    await client.createOrUpdateKey("go-pw", password, { sign: true, modifiable: true, destroyable: true }, "EC", 0, null, P256, false);
    const sentPassword = JSON.parse(client.sent.at(-1)!.body!).password as string[];
    expect(sentPassword.length).toBe(Buffer.byteLength(password));
    expect(sentPassword.every((c) => c.length === 1)).toBe(true);

    const key = await client.getKey("go-pw", password);
    expect(key.label).toBe("go-pw");
    expect(checkAttestation(key.xml, key.xmlSignature, attestationPem).parsed.password_protected).toBe("true");
    await expectTsbError(client.getKey("go-pw", ""), 403, 620);
    await expectTsbError(client.getKey("go-pw", "wrong"), 403, 620);
    const plain = await signet.json("GET", "/v1/key/go-pw/attributes", undefined, { "x-api-key": keys.keyManagement });
    expect({ status: plain.status, errorCode: plain.body.errorCode }).toEqual({ status: 403, errorCode: 620 });

    const before = await stateOf(signet);
    await expectTsbError(client.updateKeyPassword("go-pw", "wrong", "other"), 403, 620);
    await expectTsbError(client.removeKey("go-pw", "wrong"), 403, 620);
    await expectTsbError(client.removeKey("go-pw"), 403, 620);
    const deleted = await signet.json("DELETE", "/v1/key/go-pw", undefined, { "x-api-key": keys.keyManagement });
    expect({ status: deleted.status, errorCode: deleted.body.errorCode }).toEqual({ status: 403, errorCode: 620 });
    expect(await stateOf(signet)).toBe(before);

    await client.updateKeyPassword("go-pw", password, "second");
    await expectTsbError(client.getKey("go-pw", password), 403, 620);
    expect((await client.getKey("go-pw", "second")).label).toBe("go-pw");
    // An empty new password removes it.
    await client.updateKeyPassword("go-pw", "second", "");
    expect((await client.getKey("go-pw", "")).label).toBe("go-pw");
    await expectTsbError(client.getKey("go-pw", "second"), 403, 620);

    await client.updateKeyPassword("go-pw", "", "third");
    await client.removeKey("go-pw", "third");
    expect(await client.getKeys()).not.toContain("go-pw");
  });

  test("changing the password of a key that is not modifiable is refused (403, 614), as on the TSB", async () => {
    await client.createOrUpdateKey("go-pw-fixed", "fixed", { sign: true, modifiable: false }, "EC", 0, null, P256, false);
    const before = await stateOf(signet);
    await expectTsbError(client.updateKeyPassword("go-pw-fixed", "fixed", "new"), 403, 614);
    expect(await stateOf(signet)).toBe(before);
    expect((await client.getKey("go-pw-fixed", "fixed")).label).toBe("go-pw-fixed");
  });

  test("only a slow hash of the password is stored, never the password", async () => {
    await client.createOrUpdateKey("go-pw-stored", "find-me-not", { sign: true }, "EC", 0, null, P256, false);
    const { Database } = await import("bun:sqlite");
    const db = new Database(`${signet.dataDir}/signet.db`, { readonly: true });
    try {
      const row = db.query("SELECT password_hash FROM keys WHERE label = 'go-pw-stored'").get() as { password_hash: string };
      expect(row.password_hash).toMatch(/^scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    } finally {
      db.close();
    }
    const files = Bun.spawnSync(["grep", "-rl", "find-me-not", signet.dataDir]);
    expect(files.stdout.toString()).toBe("");
    expect(signet.output()).not.toContain("find-me-not");
  });
});

describe("import and export through the client", () => {
  test("ImportKey of a TDEA key, then Encrypt with it through the client and decrypt with Node's OpenSSL", async () => {
    const material = Buffer.concat([randomBytes(8), randomBytes(8), randomBytes(8)]);
    const imported = (await client.importKey("go-tdea-known", "", "", material.toString("base64"), "", { decrypt: true }, "TDEA", null)) as { json: { algorithm: string; keySize: number } };
    expect(imported.json).toMatchObject({ algorithm: "TDEA", keySize: 192 });
    const ops = new TsbGoClient(signet.url, { keyOperationToken: [keys.keyOperation] });
    const plaintext = Buffer.from("TDEA for the legacy systems");
    const encrypted = await ops.encrypt("go-tdea-known", "", plaintext.toString("base64"), "TDEA_CBC", -1, "");
    expect(Buffer.from(encrypted.initializationVector!, "base64").length).toBe(8);
    const [decrypted] = await nodeCrypto([{ op: "cipher", algorithm: "des-ede3-cbc", key: material.toString("base64"), iv: encrypted.initializationVector, data: encrypted.encryptedPayload, decrypt: true }]);
    expect(Buffer.from(decrypted, "base64").toString()).toBe(plaintext.toString());
  });

  test("a TDEA key whose three parts are not all different is refused (625) and not imported", async () => {
    const part = randomBytes(8);
    const before = await stateOf(signet);
    await expectTsbError(client.importKey("go-tdea-weak", "", "", Buffer.concat([part, randomBytes(8), part]).toString("base64"), "", { decrypt: true }, "TDEA", null), 400, 625);
    expect(await stateOf(signet)).toBe(before);
  });

  test("ExportKey gives an extractable key's material only with its password", async () => {
    await client.createOrUpdateKey("go-export", "export-pw", { decrypt: true, extractable: true, sensitive: false }, "AES", 128, null, "", false);
    await expectTsbError(client.exportKey("go-export", ""), 403, 620);
    const exported = await client.exportKey("go-export", "export-pw");
    expect(Buffer.from(exported.secretKey as string, "base64").length).toBe(16);
  });
});

describe("errors as the client reads them", () => {
  test("status and errorCode for the TSB's cases: invalid API key, missing key, not found, forbidden, invalid JSON, wrong role", async () => {
    const raw = (path: string, body: string, headers: Record<string, string>) => fetch(`${signet.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const answer = async (response: Response) => ({ status: response.status, errorCode: ((await response.json()) as { errorCode: number }).errorCode });
    const sign = JSON.stringify({ signRequest: { payload: "aGk=", signKeyName: "go-client-test-ec", signatureAlgorithm: "SHA256_WITH_ECDSA" } });
    expect(await answer(await raw("/v1/synchronousSign", sign, { "x-api-key": "sgk_unknown" }))).toEqual({ status: 401, errorCode: 631 });
    expect(await answer(await raw("/v1/synchronousSign", sign, {}))).toEqual({ status: 401, errorCode: 416 });
    expect(await answer(await raw("/v1/synchronousSign", sign, { "x-api-key": keys.keyManagement }))).toEqual({ status: 403, errorCode: 400 });
    expect(await answer(await raw("/v1/synchronousSign", "{\"signRequest\": ", { "x-api-key": keys.keyOperation }))).toEqual({ status: 400, errorCode: 621 });
    await expectTsbError(client.getKey("no-such-key", ""), 404, 650);
    await client.createOrUpdateKey("go-kept", "", { sign: true, destroyable: false }, "EC", 0, null, P256, false);
    await expectTsbError(client.removeKey("go-kept"), 403, 614);
  });

  test("ImportCertificate: the client's body ends with a trailing comma, which is not JSON (400, 621), and nothing is stored", async () => {
    const ops = new TsbGoClient(signet.url, { keyOperationToken: [keys.keyOperation] });
    const before = await stateOf(signet);
    await expectTsbError(ops.importCertificate("go-client-test-ec", "MIIB"), 400, 621);
    expect(await stateOf(signet)).toBe(before);
  });
});

/**
 * The token service and bearer tokens, verified by an outside party: `jose` under Node.js
 * against the JWK set Signet publishes (Node's OpenSSL for ES256K, which jose does not
 * implement), never by Signet's own code.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { verifyJwts } from "../support/jwt";
import { removeDir, startSignet, type RunningSignet } from "../support/server";

let signet: RunningSignet;

const KEYS = [
  { label: "jwt-rsa", algorithm: "RSA", keySize: 2048 },
  { label: "jwt-p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
  { label: "jwt-p384", algorithm: "EC", curveOid: "1.3.132.0.34" },
  { label: "jwt-k1", algorithm: "EC", curveOid: "1.3.132.0.10" },
  { label: "jwt-ed", algorithm: "ED" },
  { label: "jwt-p521", algorithm: "EC", curveOid: "1.3.132.0.35" },
  { label: "jwt-unpublished", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
];

const CASES = [
  ["RS256", "jwt-rsa"],
  ["PS256", "jwt-rsa"],
  ["ES256", "jwt-p256"],
  ["ES384", "jwt-p384"],
  ["ES256K", "jwt-k1"],
  ["EdDSA", "jwt-ed"],
] as const;

const asKey = (key: string): Record<string, string> => ({ "x-api-key": key });
const bearer = (token: string): Record<string, string> => ({ "x-api-key": "", authorization: `Bearer ${token}` });
const signBody = (label: string) => ({ signRequest: { payload: "aGVsbG8=", signKeyName: label, signatureAlgorithm: "SHA256_WITH_ECDSA" } });

async function jwks() {
  const response = await fetch(`${signet.url}/.well-known/jwks.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("public, max-age=300");
  return response.json();
}

async function newClient(body: Record<string, unknown>): Promise<string> {
  const created = await signet.json("POST", "/v1/admin/clients", body);
  expect(created.status).toBe(201);
  return (await signet.json("POST", `/v1/admin/clients/${created.body.id}/credentials`, { kind: "apiKey" })).body.secret;
}

beforeAll(async () => {
  signet = await startSignet();
  for (const key of KEYS) expect((await signet.json("POST", "/v1/key", key)).status).toBe(200);
  for (const key of KEYS.filter((k) => k.label !== "jwt-unpublished")) {
    expect((await signet.json("PUT", `/v1/token/jwks/${key.label}`)).body).toEqual({ label: key.label, published: true });
  }
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("POST /v1/token/jwt", () => {
  test("tokens of every algorithm verify with jose against the published JWK set", async () => {
    const minted = [];
    for (const [algorithm, label] of CASES) {
      const answer = await signet.json("POST", "/v1/token/jwt", { signKeyName: label, algorithm, claims: { sub: "user-42", aud: "payments", n: [1, 2] }, ttlSeconds: 600 });
      expect(answer.status).toBe(200);
      minted.push({ algorithm, ...answer.body });
    }
    const set = await jwks();
    const results = await verifyJwts(set, minted.map((m) => ({ token: m.token, algorithm: m.algorithm })));
    for (const [i, result] of results.entries()) {
      expect({ algorithm: minted[i]!.algorithm, ...result, claims: undefined }).toMatchObject({ algorithm: minted[i]!.algorithm, valid: true });
      expect(result.header).toEqual({ alg: minted[i]!.algorithm, typ: "JWT", kid: minted[i]!.kid });
      expect(result.claims).toMatchObject({ sub: "user-42", aud: "payments", n: [1, 2], iat: minted[i]!.issuedAt, exp: minted[i]!.issuedAt + 600 });
    }
  });

  test("each token's signature is recorded as a sign with its key, with the SHA-256 of the signing input, and timed", async () => {
    const before = (await signet.json("GET", "/v1/signing/timing")).body;
    const minted = [];
    for (const [algorithm, label] of [["ES256", "jwt-p256"], ["PS256", "jwt-rsa"]] as const) {
      // Claims outside ASCII: the signing input is still ASCII (base64url of UTF-8 JSON).
      const answer = await signet.json("POST", "/v1/token/jwt", { signKeyName: label, algorithm, claims: { sub: `audited-${algorithm}`, name: "Zoë 🚀" } });
      expect(answer.status).toBe(200);
      minted.push({ label, algorithm, token: answer.body.token as string });
    }
    const verified = await verifyJwts(await jwks(), minted.map(({ token, algorithm }) => ({ token, algorithm })));
    expect(verified.map((result) => [result.valid, result.claims?.name])).toEqual([[true, "Zoë 🚀"], [true, "Zoë 🚀"]]);
    const after = (await signet.json("GET", "/v1/signing/timing")).body;
    expect({ signer: after.signer.count - before.signer.count, audit: after.audit.count - before.audit.count }).toEqual({ signer: 2, audit: 2 });
    for (const { label, token } of minted) {
      const signingInput = token.slice(0, token.lastIndexOf("."));
      const page = await signet.json("GET", `/v1/audit?action=sign&object=${label}&limit=1000`);
      const last = page.body.records.at(-1);
      expect({ outcome: last.outcome, payloadSha256: last.details.payloadSha256 }).toEqual({
        outcome: "success",
        payloadSha256: createHash("sha256").update(signingInput, "ascii").digest("hex"),
      });
    }
  });

  test("a tampered token, or one whose key is not published, does not verify", async () => {
    const good = (await signet.json("POST", "/v1/token/jwt", { signKeyName: "jwt-p256", algorithm: "ES256", claims: { role: "user" } })).body.token as string;
    const [header, , signature] = good.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify({ role: "admin", iat: 1, exp: 4102444800 })).toString("base64url")}.${signature}`;
    const unpublished = (await signet.json("POST", "/v1/token/jwt", { signKeyName: "jwt-unpublished", algorithm: "ES256", claims: {} })).body.token;
    const results = await verifyJwts(await jwks(), [
      { token: good, algorithm: "ES256" },
      { token: forged, algorithm: "ES256" },
      { token: unpublished, algorithm: "ES256" },
    ]);
    expect(results.map((r) => r.valid)).toEqual([true, false, false]);
    expect(results[2]!.error).toBe("ERR_JWKS_NO_MATCHING_KEY");
  });

  test("a withdrawn key leaves the JWK set; every version's key is listed while published", async () => {
    const before = await jwks();
    const kid = (await signet.json("POST", "/v1/token/jwt", { signKeyName: "jwt-ed", algorithm: "EdDSA", claims: {} })).body.kid;
    expect(before.keys.map((k: { kid: string }) => k.kid)).toContain(kid);
    expect((await signet.json("DELETE", "/v1/token/jwks/jwt-ed")).body).toEqual({ label: "jwt-ed", published: false });
    expect((await jwks()).keys.map((k: { kid: string }) => k.kid)).not.toContain(kid);
    expect((await signet.json("DELETE", "/v1/token/jwks/jwt-ed")).status).toBe(404);
    await signet.json("PUT", "/v1/token/jwks/jwt-ed");
  });

  test.each([
    ["ES256 with a P-384 key", { signKeyName: "jwt-p384", algorithm: "ES256", claims: {} }, 400, 607],
    ["ES256 with a P-521 key", { signKeyName: "jwt-p521", algorithm: "ES256", claims: {} }, 400, 607],
    ["RS256 with an EC key", { signKeyName: "jwt-p256", algorithm: "RS256", claims: {} }, 400, 607],
    ["EdDSA with an RSA key", { signKeyName: "jwt-rsa", algorithm: "EdDSA", claims: {} }, 400, 607],
    ["an unknown algorithm", { signKeyName: "jwt-p256", algorithm: "HS256", claims: {} }, 400, 600],
    ["claims that are not an object", { signKeyName: "jwt-p256", algorithm: "ES256", claims: [1] }, 400, 600],
    ["an exp claim", { signKeyName: "jwt-p256", algorithm: "ES256", claims: { exp: 4102444800 } }, 400, 600],
    ["a ttl over the maximum", { signKeyName: "jwt-p256", algorithm: "ES256", claims: {}, ttlSeconds: 86401 }, 400, 600],
    ["an unknown key", { signKeyName: "nope", algorithm: "ES256", claims: {} }, 404, 650],
    ["Signet's own token key", { signKeyName: "signet-auth-token", algorithm: "ES256", claims: {} }, 403, 464],
  ] as const)("refused: %s", async (_name, body, status, errorCode) => {
    const answer = await signet.json("POST", "/v1/token/jwt", body);
    expect({ status: answer.status, errorCode: answer.body.errorCode }).toEqual({ status, errorCode });
  });

  test("a client's key allow-list applies to minting and publishing", async () => {
    const key = await newClient({ name: "minter", roles: ["keyOperation", "keyManagement"], allowedKeys: ["jwt-p256"] });
    expect((await signet.json("POST", "/v1/token/jwt", { signKeyName: "jwt-p256", algorithm: "ES256", claims: {} }, asKey(key))).status).toBe(200);
    expect((await signet.json("POST", "/v1/token/jwt", { signKeyName: "jwt-p384", algorithm: "ES384", claims: {} }, asKey(key))).body.errorCode).toBe(464);
    expect((await signet.json("PUT", "/v1/token/jwks/jwt-unpublished", undefined, asKey(key))).body.errorCode).toBe(464);
  });
});

describe("bearer tokens (POST /v1/auth/token)", () => {
  test("an API key is exchanged for a token that works on every route and verifies against the JWK set", async () => {
    const key = await newClient({ name: "bearer-app", roles: ["keyOperation"], allowedKeys: ["jwt-p256"] });
    const issued = await signet.json("POST", "/v1/auth/token", undefined, asKey(key));
    expect(issued.status).toBe(200);
    expect(issued.body.token_type).toBe("Bearer");
    expect(issued.body.expires_in).toBeGreaterThan(250);
    expect(issued.body.expires_in).toBeLessThanOrEqual(300);
    const token = issued.body.access_token as string;
    expect((await signet.json("POST", "/v1/synchronousSign", signBody("jwt-p256"), bearer(token))).status).toBe(200);
    // The allow-list travels in the token.
    expect((await signet.json("POST", "/v1/synchronousSign", signBody("jwt-p384"), bearer(token))).body.errorCode).toBe(464);
    // The role set too.
    expect((await signet.json("GET", "/v1/key", undefined, bearer(token))).body.errorCode).toBe(400);
    const [result] = await verifyJwts(await jwks(), [{ token, algorithm: "ES256", issuer: "signet", audience: "signet" }]);
    expect(result!.valid).toBe(true);
    expect(result!.claims).toMatchObject({ name: "bearer-app", roles: ["keyOperation"], keys: ["jwt-p256"] });
  });

  test("a token can carry fewer scopes than the client holds", async () => {
    const key = await newClient({ name: "narrow-bearer", roles: ["keyOperation"] });
    const issued = await signet.json("POST", "/v1/auth/token", { scopes: ["key:verify"] }, asKey(key));
    expect(issued.body.scope).toBe("key:verify");
    const answer = await signet.json("POST", "/v1/synchronousSign", signBody("jwt-p256"), bearer(issued.body.access_token));
    expect({ status: answer.status, errorCode: answer.body.errorCode }).toEqual({ status: 403, errorCode: 463 });
    const more = await signet.json("POST", "/v1/auth/token", { scopes: ["admin:clients"] }, asKey(key));
    expect({ status: more.status, errorCode: more.body.errorCode }).toEqual({ status: 403, errorCode: 463 });
  });

  test("a bearer token cannot be exchanged for another", async () => {
    const token = (await signet.json("POST", "/v1/auth/token")).body.access_token;
    const answer = await signet.json("POST", "/v1/auth/token", undefined, bearer(token));
    expect({ status: answer.status, errorCode: answer.body.errorCode }).toEqual({ status: 401, errorCode: 462 });
  });

  test("an expired token is 401 / 460", async () => {
    const token = (await signet.json("POST", "/v1/auth/token", { ttlSeconds: 1 })).body.access_token;
    expect((await signet.json("GET", "/v1/versionInfo", undefined, bearer(token))).status).toBe(200);
    await Bun.sleep(2100);
    const answer = await signet.json("GET", "/v1/versionInfo", undefined, bearer(token));
    expect({ status: answer.status, errorCode: answer.body.errorCode }).toEqual({ status: 401, errorCode: 460 });
  });

  test("forged tokens are 401 / 462: tampered claims, alg none, HS256 with the public key, a foreign key", async () => {
    const token = (await signet.json("POST", "/v1/auth/token")).body.access_token as string;
    const [header, claims, signature] = token.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(claims, "base64url").toString());
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const kid = JSON.parse(Buffer.from(header, "base64url").toString()).kid;
    const ownJwk = (await jwks()).keys.find((k: { kid: string }) => k.kid === kid);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const foreignInput = `${b64({ alg: "ES256", typ: "JWT", kid })}.${b64(payload)}`;
    const foreign = `${foreignInput}.${nodeSign("sha256", Buffer.from(foreignInput), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
    const hmacInput = `${b64({ alg: "HS256", typ: "JWT", kid })}.${b64(payload)}`;
    const hmac = `${hmacInput}.${new Bun.CryptoHasher("sha256", JSON.stringify(ownJwk)).update(hmacInput).digest("base64url")}`;
    const forgeries = [
      `${header}.${b64({ ...payload, roles: ["admin"] })}.${signature}`,
      `${b64({ alg: "none", typ: "JWT", kid })}.${claims}.`,
      `${b64({ alg: "none", typ: "JWT", kid })}.${claims}.AA`,
      hmac,
      foreign,
      `${header}.${claims}`,
      "not-a-token",
    ];
    for (const forged of forgeries) {
      const answer = await signet.json("GET", "/v1/versionInfo", undefined, bearer(forged));
      expect({ forged, status: answer.status, errorCode: answer.body.errorCode }).toEqual({ forged, status: 401, errorCode: 462 });
    }
  });

  test("the token's address ranges are enforced", async () => {
    const key = await newClient({ name: "remote-bearer", roles: ["service"], allowedCidrs: ["127.0.0.0/8"] });
    const issued = await signet.json("POST", "/v1/auth/token", undefined, asKey(key));
    expect((await signet.json("GET", "/v1/versionInfo", undefined, bearer(issued.body.access_token))).status).toBe(200);
    const elsewhere = await newClient({ name: "elsewhere-bearer", roles: ["service"], allowedCidrs: ["192.0.2.0/24"] });
    const refused = await signet.json("POST", "/v1/auth/token", undefined, asKey(elsewhere));
    expect({ status: refused.status, errorCode: refused.body.errorCode }).toEqual({ status: 403, errorCode: 465 });
  });
});

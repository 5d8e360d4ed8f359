/**
 * Each access control proven against the real server: every denial answers with its own
 * status and errorCode, changes nothing, and is reported as an access event in the log.
 * Clients and credentials are made through the admin API, as an operator would.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { removeDir, startSignet, type RunningSignet } from "../support/server";

let signet: RunningSignet;

const P256 = "1.2.840.10045.3.1.7";
const sign = (label: string) => ({ signRequest: { payload: "aGVsbG8=", signKeyName: label, signatureAlgorithm: "SHA256_WITH_ECDSA" } });
const asKey = (key: string): Record<string, string> => ({ "x-api-key": key });
const asTicket = (ticket: string): Record<string, string> => ({ "x-api-key": "", "x-auth-ticket": ticket });

interface MadeClient {
  id: string;
  key: string;
  credentialId: string;
}

async function client(body: Record<string, unknown>, credential: Record<string, unknown> = { kind: "apiKey" }): Promise<MadeClient> {
  const created = await signet.json("POST", "/v1/admin/clients", body);
  expect(created.status).toBe(201);
  const made = await signet.json("POST", `/v1/admin/clients/${created.body.id}/credentials`, credential);
  expect(made.status).toBe(201);
  return { id: created.body.id, key: made.body.secret, credentialId: made.body.credential.id };
}

function dbDigest(): string {
  const db = new Database(join(signet.dataDir, "signet.db"), { readonly: true });
  try {
    return JSON.stringify(["keys", "key_versions", "api_clients", "api_credentials", "published_keys"].map((t) => db.query(`SELECT * FROM ${t} ORDER BY 1`).all()));
  } finally {
    db.close();
  }
}

function deniedEvents(kind: string): number {
  return signet
    .output()
    .split("\n")
    .filter((line) => line.includes('"msg":"access denied"') && line.includes(`"kind":"${kind}"`)).length;
}

/** Asserts status and code, that the state is unchanged, and that the denial was reported. */
async function refused(call: () => Promise<{ status: number; body: any; headers: Headers }>, status: number, errorCode: number, kind?: string) {
  const before = dbDigest();
  const events = kind ? deniedEvents(kind) : 0;
  const answer = await call();
  expect({ status: answer.status, errorCode: answer.body?.errorCode }).toEqual({ status, errorCode });
  expect(answer.body.reason).toStartWith("res.error.");
  expect(dbDigest()).toBe(before);
  if (kind) {
    await Bun.sleep(20);
    expect(deniedEvents(kind)).toBe(events + 1);
  }
  return answer;
}

beforeAll(async () => {
  // Each refusal below is counted in the service log: every denial its own record and line.
  signet = await startSignet({ env: { SIGNET_AUDIT_DENIAL_WINDOW_SECONDS: "0" } });
  for (const label of ["pay-1", "pay-2", "hr-1"]) {
    expect((await signet.json("POST", "/v1/key", { label, algorithm: "EC", curveOid: P256 })).status).toBe(200);
  }
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("scopes", () => {
  test("a client without the route's scope gets 403 / 463; with it, 200", async () => {
    const signer = await client({ name: "scoped-signer", roles: ["keyOperation"], scopes: ["key:sign"] });
    expect((await signet.json("POST", "/v1/synchronousSign", sign("pay-1"), asKey(signer.key))).status).toBe(200);
    const verify = { verifySignatureRequest: { signKeyName: "pay-1", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: "aGVsbG8=", signature: "AAAA" } };
    const answer = await refused(() => signet.json("POST", "/v1/verify", verify, asKey(signer.key)), 403, 463, "scopeMissing");
    expect(answer.body.message).toContain("key:verify");
  });

  test("a client without fine scopes holds every scope of its roles", async () => {
    const wide = await client({ name: "wide-signer", roles: ["keyOperation"] });
    const verify = { verifySignatureRequest: { signKeyName: "pay-1", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: "aGVsbG8=", signature: "AAAA" } };
    expect((await signet.json("POST", "/v1/verify", verify, asKey(wide.key))).status).toBe(200);
  });

  test("the role is still needed: 403 / 400 without it", async () => {
    const signer = await client({ name: "role-less", roles: ["service"] });
    await refused(() => signet.json("GET", "/v1/key", undefined, asKey(signer.key)), 403, 400, "roleMissing");
  });

  test("scopes of a role the client does not have are refused at creation", async () => {
    const answer = await refused(() => signet.json("POST", "/v1/admin/clients", { name: "odd", roles: ["service"], scopes: ["key:sign"] }), 400, 600);
    expect(answer.body.message).toContain("needs the keyOperation role");
  });
});

describe("allowed keys", () => {
  let restricted: MadeClient;

  beforeAll(async () => {
    restricted = await client({ name: "payments", roles: ["keyOperation", "keyManagement"], allowedKeys: ["pay-*"] });
  });

  test("a key inside the allowed prefixes signs", async () => {
    expect((await signet.json("POST", "/v1/synchronousSign", sign("pay-2"), asKey(restricted.key))).status).toBe(200);
  });

  test("a key outside them is 403 / 464, before the key is looked up", async () => {
    await refused(() => signet.json("POST", "/v1/synchronousSign", sign("hr-1"), asKey(restricted.key)), 403, 464, "keyNotAllowed");
    // A key that does not exist at all answers the same: nothing is learned about other keys.
    await refused(() => signet.json("POST", "/v1/synchronousSign", sign("hr-secret"), asKey(restricted.key)), 403, 464, "keyNotAllowed");
  });

  test("the same rule holds for creating, reading and deleting keys", async () => {
    await refused(() => signet.json("POST", "/v1/key", { label: "hr-2", algorithm: "ED" }, asKey(restricted.key)), 403, 464);
    await refused(() => signet.json("GET", "/v1/key/hr-1/attributes", undefined, asKey(restricted.key)), 403, 464);
    await refused(() => signet.json("DELETE", "/v1/key/hr-1", undefined, asKey(restricted.key)), 403, 464);
    const listed = await signet.json("GET", "/v1/key", undefined, asKey(restricted.key));
    expect(listed.body).toEqual(["pay-1", "pay-2"]);
  });

  test("Signet's own token key is out of reach even for the bootstrap client", async () => {
    await refused(() => signet.json("POST", "/v1/synchronousSign", sign("signet-auth-token")), 403, 464);
    await refused(() => signet.json("DELETE", "/v1/key/signet-auth-token"), 403, 464);
    expect((await signet.json("GET", "/v1/key")).body).not.toContain("signet-auth-token");
  });
});

describe("address ranges", () => {
  test("a client calling from outside its ranges is 403 / 465; inside, 200", async () => {
    const remote = await client({ name: "branch-office", roles: ["keyOperation"], allowedCidrs: ["10.20.0.0/16", "2001:db8::/32"] });
    await refused(() => signet.json("POST", "/v1/synchronousSign", sign("pay-1"), asKey(remote.key)), 403, 465, "addressNotAllowed");
    const local = await client({ name: "same-host", roles: ["keyOperation"], allowedCidrs: ["127.0.0.0/8", "::1/128"] });
    expect((await signet.json("POST", "/v1/synchronousSign", sign("pay-1"), asKey(local.key))).status).toBe(200);
  });

  test("ranges with host bits set, or not ranges at all, are refused at creation", async () => {
    await refused(() => signet.json("POST", "/v1/admin/clients", { name: "bad-cidr", roles: ["service"], allowedCidrs: ["10.0.0.1/8"] }), 400, 600);
    await refused(() => signet.json("POST", "/v1/admin/clients", { name: "bad-cidr", roles: ["service"], allowedCidrs: ["010.0.0.0/8"] }), 400, 600);
  });
});

describe("rate limits", () => {
  test("a burst over the limit gets 429 / 466 with Retry-After, and the bucket refills", async () => {
    const limited = await client({ name: "limited", roles: ["service"], rateLimit: { perSecond: 1, burst: 3 } });
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 5; i++) {
      last = await signet.request("GET", "/v1/versionInfo", undefined, asKey(limited.key));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.headers.get("retry-after")).toBe("1");
    expect(await last!.json()).toMatchObject({ errorCode: 466, reason: "res.error.rate.limited" });
    await Bun.sleep(1100);
    expect((await signet.request("GET", "/v1/versionInfo", undefined, asKey(limited.key))).status).toBe(200);
  });

  test("another client is not slowed by it", async () => {
    const other = await client({ name: "unlimited", roles: ["service"] });
    for (let i = 0; i < 10; i++) expect((await signet.request("GET", "/v1/versionInfo", undefined, asKey(other.key))).status).toBe(200);
  });
});

describe("API keys: several at once, revoked one by one, TSB rollover code", () => {
  test("a revoked key is 401 / 631 at once while the client's other key still works", async () => {
    const app = await client({ name: "rollover", roles: ["service"] });
    const second = await signet.json("POST", `/v1/admin/clients/${app.id}/credentials`, { kind: "apiKey", name: "second" });
    expect((await signet.json("GET", "/v1/versionInfo", undefined, asKey(app.key))).status).toBe(200);
    expect((await signet.json("POST", `/v1/admin/clients/${app.id}/credentials/${app.credentialId}/revoke`)).body.status).toBe("revoked");
    const answer = await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asKey(app.key)), 401, 631, "invalidApiKey");
    expect(answer.body.message).toContain("revoked");
    expect((await signet.json("GET", "/v1/versionInfo", undefined, asKey(second.body.secret))).status).toBe(200);
  });

  test("a key past its notAfter is 401 / 631; one before its notBefore too", async () => {
    // Three seconds of life: long enough for the first request on a busy machine.
    const app = await client({ name: "short-lived", roles: ["service"] }, { kind: "apiKey", validForSeconds: 3 });
    expect((await signet.json("GET", "/v1/versionInfo", undefined, asKey(app.key))).status).toBe(200);
    await Bun.sleep(3100);
    const answer = await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asKey(app.key)), 401, 631);
    expect(answer.body.message).toContain("expired");
    const later = await signet.json("POST", `/v1/admin/clients/${app.id}/credentials`, { kind: "apiKey", notBefore: "2099-01-01T00:00:00Z" });
    expect(later.body.credential.status).toBe("pending");
    await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asKey(later.body.secret)), 401, 631);
  });

  test("rotation: the new key works at once, the old one until the overlap ends", async () => {
    const app = await client({ name: "rotating", roles: ["service"] });
    const rotated = await signet.json("POST", `/v1/admin/clients/${app.id}/credentials/${app.credentialId}/rotate`, { overlapSeconds: 3600 });
    expect(rotated.status).toBe(201);
    expect(rotated.body.credential.rotatedFrom).toBe(app.credentialId);
    expect((await signet.json("GET", "/v1/versionInfo", undefined, asKey(rotated.body.secret))).status).toBe(200);
    expect((await signet.json("GET", "/v1/versionInfo", undefined, asKey(app.key))).status).toBe(200);
    const again = await signet.json("POST", `/v1/admin/clients/${app.id}/credentials/${rotated.body.credential.id}/rotate`, { overlapSeconds: 0 });
    expect((await signet.json("GET", "/v1/versionInfo", undefined, asKey(again.body.secret))).status).toBe(200);
    await Bun.sleep(1100);
    await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asKey(rotated.body.secret)), 401, 631);
  });

  test("a disabled client's keys are 401 / 631 until it is enabled again", async () => {
    const app = await client({ name: "to-disable", roles: ["service"] });
    await signet.json("POST", `/v1/admin/clients/${app.id}/disable`);
    await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asKey(app.key)), 401, 631);
    await signet.json("POST", `/v1/admin/clients/${app.id}/enable`);
    expect((await signet.json("GET", "/v1/versionInfo", undefined, asKey(app.key))).status).toBe(200);
  });
});

describe("authentication tickets", () => {
  test("a valid ticket in X-Auth-Ticket authenticates", async () => {
    const app = await client({ name: "ticket-holder", roles: ["service"] }, { kind: "ticket", validForSeconds: 3600 });
    expect(app.key).toStartWith("sgt_");
    expect((await signet.json("GET", "/v1/versionInfo", undefined, asTicket(app.key))).status).toBe(200);
  });

  test("a ticket needs a validity period", async () => {
    const app = await client({ name: "ticket-admin", roles: ["service"] });
    await refused(() => signet.json("POST", `/v1/admin/clients/${app.id}/credentials`, { kind: "ticket" }), 400, 600);
  });

  test("an expired ticket is 401 / 460", async () => {
    const app = await client({ name: "expiring-ticket", roles: ["service"] }, { kind: "ticket", validForSeconds: 1 });
    await Bun.sleep(2100);
    await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asTicket(app.key)), 401, 460, "credentialExpired");
  });

  test("a revoked ticket is 401 / 461", async () => {
    const app = await client({ name: "revoked-ticket", roles: ["service"] }, { kind: "ticket", validForSeconds: 3600 });
    await signet.json("POST", `/v1/admin/clients/${app.id}/credentials/${app.credentialId}/revoke`);
    await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asTicket(app.key)), 401, 461, "credentialRevoked");
  });

  test("an unknown ticket is 401 / 462, and an API key is not a ticket", async () => {
    await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asTicket("sgt_not-a-ticket")), 401, 462, "invalidCredential");
    await refused(() => signet.json("GET", "/v1/versionInfo", undefined, asTicket(signet.apiKey)), 401, 462);
  });
});

describe("the admin API", () => {
  test("only admins reach it: 403 without the role", async () => {
    const operator = await client({ name: "not-admin", roles: ["keyManagement"] });
    await refused(() => signet.json("GET", "/v1/admin/clients", undefined, asKey(operator.key)), 403, 400);
    await refused(() => signet.json("POST", "/v1/admin/clients", { name: "sneaky", roles: ["admin"] }, asKey(operator.key)), 403, 400);
  });

  test("secrets are shown once: never in listings, and only hashes are stored", async () => {
    const app = await client({ name: "listed", roles: ["service"] });
    const listing = JSON.stringify((await signet.json("GET", `/v1/admin/clients/${app.id}/credentials`)).body);
    expect(listing).toContain(app.credentialId);
    expect(listing).not.toContain(app.key);
    const db = new Database(join(signet.dataDir, "signet.db"), { readonly: true });
    const dump = JSON.stringify(db.query("SELECT * FROM api_credentials").all());
    db.close();
    expect(dump).not.toContain(app.key);
    expect(dump).not.toContain(signet.apiKey);
  });

  test("bad input is refused with its code and changes nothing", async () => {
    await refused(() => signet.json("POST", "/v1/admin/clients", { name: "listed", roles: ["service"] }), 400, 686);
    await refused(() => signet.json("POST", "/v1/admin/clients", { name: "wizard", roles: ["wizard"] }), 400, 600);
    await refused(() => signet.json("GET", "/v1/admin/clients/no-such-id"), 404, 622);
    await refused(() => signet.json("PATCH", "/v1/admin/clients/no-such-id", { roles: ["service"] }), 404, 622);
    await refused(() => signet.json("POST", "/v1/admin/clients/no-such-id/credentials", { kind: "apiKey" }), 404, 622);
  });

  test("an admin cannot disable its own client", async () => {
    const clients = (await signet.json("GET", "/v1/admin/clients")).body as { id: string; name: string }[];
    const bootstrap = clients.find((c) => c.name === "bootstrap")!;
    await refused(() => signet.json("POST", `/v1/admin/clients/${bootstrap.id}/disable`), 400, 600);
  });

  test("changing a client's allow-list applies to its next request", async () => {
    const app = await client({ name: "narrowed", roles: ["keyOperation"] });
    expect((await signet.json("POST", "/v1/synchronousSign", sign("hr-1"), asKey(app.key))).status).toBe(200);
    const patched = await signet.json("PATCH", `/v1/admin/clients/${app.id}`, { allowedKeys: ["pay-1"] });
    expect(patched.body.allowedKeys).toEqual(["pay-1"]);
    await refused(() => signet.json("POST", "/v1/synchronousSign", sign("hr-1"), asKey(app.key)), 403, 464);
  });
});

/**
 * Every route this module adds requires an API key with its role (keyOperation for key
 * operations and certificates, keyManagement for key management, as the TSB's role table has
 * them), refuses before looking at the body, and is described in the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { BUN, ROOT, removeDir, startSignet, type RunningSignet } from "../support/server";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

let signet: RunningSignet;
const keys: Record<string, string> = {};

const ROUTES = [
  ["POST", "/v1/encrypt", "keyOperation", "encrypt"],
  ["POST", "/v1/synchronousDecrypt", "keyOperation", "synchronousDecrypt"],
  ["POST", "/v1/wrap", "keyOperation", "wrap"],
  ["POST", "/v1/synchronousUnwrap", "keyOperation", "synchronousUnwrap"],
  ["POST", "/v1/synchronousHmac", "keyOperation", "hmac"],
  ["GET", "/v1/generateRandom/16", "keyOperation", "generateRandom"],
  ["POST", "/v1/synchronousBlock", "keyOperation", "synchronousBlock"],
  ["POST", "/v1/synchronousUnblock", "keyOperation", "synchronousUnblock"],
  ["POST", "/v1/batchSign", "keyOperation", "batchSign"],
  ["POST", "/v1/certificate/synchronous/request", "keyOperation", "synchronousCreateCertificateRequest"],
  ["POST", "/v1/certificate/synchronous/selfsign", "keyOperation", "selfSignCertificate"],
  ["POST", "/v1/certificate/synchronous/sign", "keyOperation", "signCertificate"],
  ["POST", "/v1/certificate/import/plain", "keyOperation", "importPlainCertificate"],
  ["GET", "/v1/certificate/some-key", "keyOperation", "getCertificate"],
  ["DELETE", "/v1/certificate/some-key", "keyOperation", "deleteCertificate"],
  ["POST", "/v1/key/import/plain", "keyManagement", "importPlainKey"],
  ["POST", "/v1/key/export/plain", "keyManagement", "exportPlainKey"],
  ["POST", "/v1/synchronousModify", "keyManagement", "synchronousModify"],
  ["POST", "/v1/key/some-key/rotate", "keyManagement", "rotateKey"],
  ["POST", "/v1/key/some-key/minimumVersion", "keyManagement", "setMinimumKeyVersion"],
  ["POST", "/v1/key/attributes", "keyManagement", "getKeyAttributesWithKeyPassword"],
  ["GET", "/v1/key/some-key/attributes", "keyManagement", "getKeyAttributes"],
  ["POST", "/v1/key/deleteKey", "keyManagement", "deleteKeyWithPassword"],
  ["POST", "/v1/key/changePassword", "keyManagement", "changeKeyPassword"],
  ["GET", "/v1/attestation/publicKey", "keyManagement", "getAttestationPublicKey"],
] as const;

function createKey(name: string, roles: string): string {
  const result = Bun.spawnSync([BUN, "src/cli.ts", "apikey", "create", "--name", name, "--roles", roles], {
    cwd: ROOT,
    env: { ...process.env, SIGNET_DATA_DIR: signet.dataDir },
  });
  expect(result.exitCode).toBe(0);
  return result.stdout.toString().trim();
}

beforeAll(async () => {
  signet = await startSignet();
  keys.keyOperation = createKey("operations", "keyOperation");
  keys.keyManagement = createKey("management", "keyManagement");
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("roles", () => {
  for (const [method, path, role] of ROUTES) {
    test(`${method} ${path} needs ${role}`, async () => {
      const other = role === "keyOperation" ? keys.keyManagement! : keys.keyOperation!;
      const anonymous = await fetch(`${signet.url}${path}`, { method, headers: { "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
      expect({ status: anonymous.status, errorCode: (await anonymous.json()).errorCode }).toEqual({ status: 401, errorCode: 416 });
      const wrongRole = await signet.request(method, path, method === "GET" ? undefined : {}, { "x-api-key": other });
      expect({ status: wrongRole.status, errorCode: (await wrongRole.json()).errorCode }).toEqual({ status: 403, errorCode: 400 });
      // With the role, the empty body is what is refused (or, without a body, the missing key).
      const allowed = await signet.request(method, path, method === "GET" ? undefined : {}, { "x-api-key": keys[role]! });
      expect(allowed.status).not.toBe(401);
      expect(allowed.status).not.toBe(403);
    });
  }
});

test("every route is in the OpenAPI document with its operationId", async () => {
  const document = await (await fetch(`${signet.url}/docs/json`)).json();
  for (const [method, path, , operationId] of ROUTES) {
    const documented = path.replace("/16", "/{length}").replace("some-key", "{label}");
    const operation = document.paths[documented]?.[method.toLowerCase()];
    expect({ path: documented, operationId: operation?.operationId }).toEqual({ path: documented, operationId });
    expect(operation.summary).toEqual(expect.any(String));
  }
});

/** Paths in a JSON schema where Elysia's coercing t.Integer / t.Numeric left a numeric-string branch. */
function numericStringBranches(schema: unknown, at: string, found: string[]): string[] {
  if (Array.isArray(schema)) schema.forEach((item, i) => numericStringBranches(item, `${at}[${i}]`, found));
  else if (schema && typeof schema === "object") {
    const node = schema as Record<string, unknown>;
    if (node.type === "string" && (node.format === "integer" || node.format === "numeric")) found.push(at);
    for (const [key, value] of Object.entries(node)) numericStringBranches(value, `${at}.${key}`, found);
  }
  return found;
}

test("every response documents its integers as integers (no coercing transform in a response schema)", async () => {
  // A transform in a response schema also makes Elysia run TypeBox's generic Encode over every
  // answer of that route (docs.ts, ResponseInteger); requests keep theirs.
  const document = await (await fetch(`${signet.url}/docs/json`)).json();
  const found: string[] = [];
  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) numericStringBranches(response, `${method} ${path} ${status}`, found);
    }
  }
  expect(found).toEqual([]);
});

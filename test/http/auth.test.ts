/**
 * API keys and roles: a missing or wrong key is 401 with its own code (the TSB Go client
 * reads errorCode 631 on a 401 to roll over to its next key), a key without the route's role
 * is 403. Keys come from the command-line tool, which prints the secret once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { BUN, ROOT, removeDir, startSignet, type RunningSignet } from "../support/server";

let signet: RunningSignet;

function cli(args: string[], dataDir: string) {
  const result = Bun.spawnSync([BUN, "src/cli.ts", ...args], { cwd: ROOT, env: { ...process.env, SIGNET_DATA_DIR: dataDir } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

function createKey(name: string, roles: string): string {
  const result = cli(["apikey", "create", "--name", name, "--roles", roles], signet.dataDir);
  expect(result.code).toBe(0);
  const lines = result.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const asKey = (key: string): Record<string, string> => ({ "x-api-key": key });

beforeAll(async () => {
  signet = await startSignet();
  await signet.json("POST", "/v1/key", { label: "ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" });
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("authentication", () => {
  test("no key: 401 with errorCode 416", async () => {
    const response = await fetch(`${signet.url}/v1/key`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errorCode: 416, reason: "res.error.missing.api.key" });
  });

  test("a wrong key: 401 with errorCode 631", async () => {
    const response = await fetch(`${signet.url}/v1/key`, { headers: { "x-api-key": "sgk_not-a-real-key" } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errorCode: 631, reason: "res.error.invalid.api.key" });
  });

  test("a bad key is refused before the body is looked at", async () => {
    const response = await fetch(`${signet.url}/v1/synchronousSign`, { method: "POST", headers: { "x-api-key": "wrong" }, body: "{}" });
    expect(response.status).toBe(401);
  });

  test("health needs no key", async () => {
    expect((await fetch(`${signet.url}/health`)).status).toBe(200);
  });
});

describe("roles", () => {
  let operation: string;
  let management: string;
  let service: string;

  beforeAll(() => {
    operation = createKey("payments-app", "keyOperation");
    management = createKey("key-admin", "keyManagement");
    service = createKey("monitor", "service");
  });

  test("the CLI stores only a hash of the secret", () => {
    const db = new Database(join(signet.dataDir, "signet.db"), { readonly: true });
    const dump = JSON.stringify(db.query("SELECT * FROM api_credentials").all());
    db.close();
    for (const secret of [operation, management, service, signet.apiKey]) expect(dump).not.toContain(secret);
  });

  const signBody = { signRequest: { payload: "aGk=", signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA" } };

  test.each([
    ["keyOperation", "POST", "/v1/synchronousSign", 200],
    ["keyOperation", "POST", "/v1/key", 403],
    ["keyOperation", "GET", "/v1/versionInfo", 403],
    ["keyManagement", "GET", "/v1/key", 200],
    ["keyManagement", "POST", "/v1/synchronousSign", 403],
    ["service", "GET", "/v1/versionInfo", 200],
    ["service", "GET", "/v1/key", 403],
  ] as const)("a %s key on %s %s: %d", async (role, method, path, status) => {
    const key = { keyOperation: operation, keyManagement: management, service }[role];
    const body = path === "/v1/synchronousSign" ? signBody : path === "/v1/key" && method === "POST" ? { label: `x${Date.now()}`, algorithm: "ED" } : undefined;
    const response = await signet.request(method, path, body, asKey(key));
    expect(response.status).toBe(status);
    if (status === 403) expect(await response.json()).toMatchObject({ errorCode: 400, reason: "res.error.security.not.allowed" });
  });

  test("versionInfo answers in the TSB shape", async () => {
    const response = await signet.json("GET", "/v1/versionInfo", undefined, asKey(service));
    expect(response.body).toEqual({ Version: expect.any(String), Vendor: "Signet" });
  });

  test("the CLI refuses unknown roles and exits non-zero", () => {
    const result = cli(["apikey", "create", "--name", "bad", "--roles", "keyOperation,wizard"], signet.dataDir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown role "wizard"');
    expect(result.stdout).toBe("");
  });

  test("a second key for the same client works too (rollover), and both are valid", async () => {
    const second = createKey("payments-app", "keyOperation");
    expect(second).not.toBe(operation);
    expect((await signet.request("POST", "/v1/synchronousSign", signBody, asKey(second))).status).toBe(200);
    expect((await signet.request("POST", "/v1/synchronousSign", signBody, asKey(operation))).status).toBe(200);
  });
});

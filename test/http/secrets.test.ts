/**
 * Secrets never leave their creation answer: a scenario that makes and uses every kind of
 * secret Signet handles (bootstrap key, API keys, tickets, rotated keys, bearer tokens, minted
 * JWTs, token PINs, a PKCS#12 passphrase), at debug log level, with failures on purpose
 * (wrong and revoked credentials, forged tokens, a crashed Worker), then looks for each of
 * them in the server's whole output, in every other answer, in the CLI's stderr, and in the
 * database files. The full-run scan (test/support/full-run-log-scan.ts) does the same for the
 * output of every server the test run started.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EKU, makeCa, makeCert } from "../support/certs";
import { findLeaks } from "../support/leaks";
import { BUN, ROOT, removeDir, startSignet, tempDir, type RunningSignet } from "../support/server";

let signet: RunningSignet;
const secrets: string[] = [];
/** Bodies of every answer except those that created a secret. */
const answers: string[] = [];

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, creates = false) {
  const response = await signet.request(method, path, body, headers);
  const text = await response.text();
  if (!creates) answers.push(text);
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  signet = await startSignet({ env: { SIGNET_LOG_LEVEL: "debug", SIGNET_DEBUG_FAULTS: "1" } });
  secrets.push(signet.apiKey);
  const pins = JSON.parse(readFileSync(join(signet.dataDir, "hsm", "pins.json"), "utf8"));
  secrets.push(pins.userPin, pins.soPin);

  await call("POST", "/v1/key", { label: "s-ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" });
  await call("PUT", "/v1/token/jwks/s-ec");
  const client = await call("POST", "/v1/admin/clients", { name: "secretive", roles: ["keyOperation", "service"] });
  const key = (await call("POST", `/v1/admin/clients/${client.body.id}/credentials`, { kind: "apiKey" }, {}, true)).body;
  const ticket = (await call("POST", `/v1/admin/clients/${client.body.id}/credentials`, { kind: "ticket", validForSeconds: 600 }, {}, true)).body;
  const rotated = (await call("POST", `/v1/admin/clients/${client.body.id}/credentials/${key.credential.id}/rotate`, { overlapSeconds: 0 }, {}, true)).body;
  secrets.push(key.secret, ticket.secret, rotated.secret);
  await call("POST", `/v1/admin/clients/${client.body.id}/credentials/${ticket.credential.id}/revoke`);

  const sign = { signRequest: { payload: "aGVsbG8=", signKeyName: "s-ec", signatureAlgorithm: "SHA256_WITH_ECDSA" } };
  await call("POST", "/v1/synchronousSign", sign, { "x-api-key": rotated.secret });
  await Bun.sleep(1100);
  await call("POST", "/v1/synchronousSign", sign, { "x-api-key": key.secret }); // expired by rotation
  await call("GET", "/v1/versionInfo", undefined, { "x-api-key": "", "x-auth-ticket": ticket.secret }); // revoked
  await call("GET", "/v1/versionInfo", undefined, { "x-api-key": `${rotated.secret}x` }); // wrong

  const bearer = (await call("POST", "/v1/auth/token", undefined, { "x-api-key": rotated.secret }, true)).body.access_token;
  secrets.push(bearer);
  await call("POST", "/v1/synchronousSign", sign, { "x-api-key": "", authorization: `Bearer ${bearer}` });
  await call("POST", "/v1/auth/token", undefined, { "x-api-key": "", authorization: `Bearer ${bearer}` }); // refused exchange
  await call("GET", "/v1/versionInfo", undefined, { "x-api-key": "", authorization: `Bearer ${bearer.slice(0, -4)}AAAA` }); // forged
  const minted = (await call("POST", "/v1/token/jwt", { signKeyName: "s-ec", algorithm: "ES256", claims: { sub: "x" } }, {}, true)).body.token;
  secrets.push(minted);

  // Failures that log with causes: bad input everywhere, a Worker crashed mid-flight.
  await call("POST", "/v1/admin/clients", { name: `${signet.apiKey}!`, roles: ["service"] }); // invalid: must not be echoed
  await call("POST", "/v1/debug/faults", { fault: "crashWorker", worker: 0 });
  await call("POST", "/v1/synchronousSign", sign);
  await Bun.sleep(500);
});

afterAll(async () => {
  if (signet && signet.process.exitCode === null) await signet.stop();
  removeDir(signet?.dataDir);
});

test("no secret is in the server's output, even at debug level", async () => {
  const output = signet.output();
  expect(output).toContain('"msg":"access denied"');
  for (const secret of secrets) expect(output.includes(secret)).toBe(false);
  expect(findLeaks([{ output, secrets }])).toEqual([]);
});

test("no secret is in any answer other than the one that created it", () => {
  const all = answers.join("\n");
  for (const secret of secrets) expect(all.includes(secret)).toBe(false);
});

test("the database holds hashes only", async () => {
  await signet.stop();
  const files = readdirSync(signet.dataDir).filter((f) => f.startsWith("signet.db"));
  const bytes = files.map((f) => readFileSync(join(signet.dataDir, f)).toString("latin1")).join("");
  for (const secret of secrets.slice(0, 6)) expect(bytes.includes(secret)).toBe(false);
});

test("the CLI prints a new secret on stdout only, and its report on stderr holds none", () => {
  const data = tempDir("cli-secrets");
  const run = (args: string[]) => {
    const result = Bun.spawnSync([BUN, "src/cli.ts", ...args], { cwd: ROOT, env: { ...process.env, SIGNET_DATA_DIR: data } });
    return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
  };
  try {
    expect(run(["client", "create", "--name", "cli-app", "--roles", "service"]).code).toBe(0);
    const made = run(["credential", "create", "cli-app", "--kind", "ticket", "--valid-for", "600"]);
    expect(made.code).toBe(0);
    const ticket = made.stdout.trim();
    expect(ticket).toMatch(/^sgt_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).not.toContain(ticket);
    const listed = run(["credential", "list", "cli-app"]);
    expect(listed.stdout).not.toContain(ticket);
    expect(findLeaks([{ output: made.stderr + listed.stdout + listed.stderr, secrets: [ticket] }])).toEqual([]);
  } finally {
    removeDir(data);
  }
});

test("a PKCS#12 passphrase never reaches the output", async () => {
  const dir = tempDir("p12-secret");
  try {
    const ca = await makeCa("Secret CA");
    const server = await makeCert({ subject: "localhost", issuer: ca, eku: [EKU.serverAuth], dns: ["localhost"], ips: ["127.0.0.1"] });
    writeFileSync(join(dir, "s.pem"), server.certPem);
    writeFileSync(join(dir, "s.key"), server.keyPem);
    const passphrase = "p12-passphrase-31337";
    Bun.spawnSync(["openssl", "pkcs12", "-export", "-in", join(dir, "s.pem"), "-inkey", join(dir, "s.key"), "-out", join(dir, "s.p12"), "-passout", `pass:${passphrase}`]);
    const tls = await startSignet({ env: { SIGNET_LOG_LEVEL: "debug", SIGNET_TLS_PFX: join(dir, "s.p12"), SIGNET_TLS_PASSPHRASE: passphrase }, fetchTls: { ca: ca.certPem } });
    expect((await tls.request("GET", "/v1/versionInfo")).status).toBe(200);
    await tls.stop();
    removeDir(tls.dataDir);
    expect(tls.output()).not.toContain(passphrase);
    expect(tls.output()).not.toContain(server.keyPem.split("\n")[1]!);
  } finally {
    removeDir(dir);
  }
});

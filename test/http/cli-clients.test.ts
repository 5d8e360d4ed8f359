/**
 * The command-line tool manages clients and credentials beside a running server: what it
 * creates works at once, what it revokes or disables stops working within the server's 5 s
 * credential cache, and a new secret is printed once, alone, on stdout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BUN, ROOT, removeDir, startSignet, type RunningSignet } from "../support/server";

let signet: RunningSignet;

function cli(...args: string[]) {
  const result = Bun.spawnSync([BUN, "src/cli.ts", ...args], { cwd: ROOT, env: { ...process.env, SIGNET_DATA_DIR: signet.dataDir } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

function secretOf(result: { code: number; stdout: string }): string {
  expect(result.code).toBe(0);
  const lines = result.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const version = (headers: Record<string, string>) => signet.json("GET", "/v1/versionInfo", undefined, headers);

beforeAll(async () => {
  signet = await startSignet();
  await signet.json("POST", "/v1/key", { label: "cli-pay", algorithm: "ED" });
  await signet.json("POST", "/v1/key", { label: "cli-other", algorithm: "ED" });
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("clients", () => {
  test("create with every restriction, then show and list", () => {
    const created = cli("client", "create", "--name", "cli-app", "--roles", "keyOperation,service", "--scopes", "key:sign,service:info", "--keys", "cli-pay*", "--cidrs", "127.0.0.0/8,::1", "--rate", "100:200");
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: "cli-app",
      roles: ["keyOperation", "service"],
      scopes: ["key:sign", "service:info"],
      allowedKeys: ["cli-pay*"],
      allowedCidrs: ["127.0.0.0/8", "::1/128"],
      rateLimit: { perSecond: 100, burst: 200 },
      status: "active",
    });
    expect(JSON.parse(cli("client", "list").stdout).map((c: { name: string }) => c.name)).toContain("cli-app");
    expect(JSON.parse(cli("client", "show", "cli-app").stdout).credentials).toEqual([]);
  });

  test("a key made by the CLI works on the running server, within its restrictions", async () => {
    const key = secretOf(cli("credential", "create", "cli-app", "--kind", "apiKey", "--name", "first"));
    expect(key).toMatch(/^sgk_/);
    expect((await version({ "x-api-key": key })).status).toBe(200);
    const sign = (label: string) => signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: "aGk=", signKeyName: label, signatureAlgorithm: "EDDSA" } }, { "x-api-key": key });
    expect((await sign("cli-pay")).status).toBe(200);
    expect((await sign("cli-other")).body.errorCode).toBe(464);
  });

  test("update changes restrictions; none clears one", () => {
    const updated = JSON.parse(cli("client", "update", "cli-app", "--keys", "none", "--rate", "none").stdout);
    expect(updated.allowedKeys).toBeNull();
    expect(updated.rateLimit).toBeNull();
    expect(updated.scopes).toEqual(["key:sign", "service:info"]);
  });

  test("bad input exits 1 with a message and changes nothing; bad usage exits 2", () => {
    const before = cli("client", "list").stdout;
    for (const args of [
      ["client", "create", "--name", "x", "--roles", "wizard"],
      ["client", "create", "--name", "y", "--roles", "service", "--scopes", "key:sign"],
      ["client", "create", "--name", "z", "--roles", "service", "--cidrs", "10.0.0.1/8"],
      ["client", "create", "--name", "cli-app", "--roles", "service"],
      ["credential", "create", "cli-app", "--kind", "ticket"],
      ["client", "disable", "nobody"],
    ]) {
      const result = cli(...args);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stdout).toBe("");
      expect(result.stderr).toStartWith("signet: ");
    }
    expect(cli("client", "list").stdout).toBe(before);
    expect(cli("client", "frobnicate").code).toBe(2);
    expect(cli("credential", "create", "cli-app", "--kind").code).toBe(2);
  });
});

describe("credentials", () => {
  test("several at once; revoking one stops it within 5 s, the others go on", async () => {
    const a = secretOf(cli("credential", "create", "cli-app", "--kind", "apiKey", "--name", "a"));
    const b = secretOf(cli("credential", "create", "cli-app", "--kind", "ticket", "--valid-for", "3600"));
    expect((await version({ "x-api-key": a })).status).toBe(200);
    expect((await version({ "x-api-key": "", "x-auth-ticket": b })).status).toBe(200);
    const listed = JSON.parse(cli("credential", "list", "cli-app").stdout) as { id: string; name: string | null; kind: string }[];
    const idOfA = listed.find((c) => c.name === "a")!.id;
    expect(cli("credential", "revoke", "cli-app", idOfA).code).toBe(0);
    await Bun.sleep(5200);
    expect((await version({ "x-api-key": a })).body.errorCode).toBe(631);
    expect((await version({ "x-api-key": "", "x-auth-ticket": b })).status).toBe(200);
  }, 20_000);

  test("rotate prints the new secret once; the old one lasts the overlap", async () => {
    const old = secretOf(cli("credential", "create", "cli-app", "--kind", "apiKey", "--name", "rot"));
    const id = (JSON.parse(cli("credential", "list", "cli-app").stdout) as { id: string; name: string | null; status: string }[]).find((c) => c.name === "rot")!.id;
    const rotated = cli("credential", "rotate", "cli-app", id, "--overlap", "3600");
    const fresh = secretOf(rotated);
    expect(rotated.stderr).not.toContain(fresh);
    expect((await version({ "x-api-key": fresh })).status).toBe(200);
    expect((await version({ "x-api-key": old })).status).toBe(200);
  });

  test("a disabled client is refused within 5 s, and back when enabled", async () => {
    const key = secretOf(cli("credential", "create", "cli-app", "--kind", "apiKey"));
    expect((await version({ "x-api-key": key })).status).toBe(200);
    expect(JSON.parse(cli("client", "disable", "cli-app").stdout).status).toBe("disabled");
    await Bun.sleep(5200);
    expect((await version({ "x-api-key": key })).body.errorCode).toBe(631);
    cli("client", "enable", "cli-app");
    await Bun.sleep(5200);
    expect((await version({ "x-api-key": key })).status).toBe(200);
  }, 30_000);
});

/**
 * A bad configuration stops start-up with exit code 2 and one line naming the setting, and
 * never prints a PIN or a key secret.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { findSoftHsmModule } from "../../src/signer/embedded/softhsm";
import { removeDir, startExpectingFailure, tempDir } from "../support/server";

const dir = tempDir("config");
const conf = join(dir, "softhsm2.conf");
const modulePath = findSoftHsmModule()!;
const PIN = "right-pin-8642";

beforeAll(() => {
  writeFileSync(conf, `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  Bun.spawnSync(["mkdir", "-p", join(dir, "tokens")]);
  const init = Bun.spawnSync(["softhsm2-util", "--init-token", "--free", "--label", "cfg", "--pin", PIN, "--so-pin", "so-pin-8642"], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
  });
  expect(init.exitCode).toBe(0);
});

afterAll(() => removeDir(dir));

const external = (overrides: Record<string, string>) => ({
  SOFTHSM2_CONF: conf,
  SIGNET_DATA_DIR: join(dir, "data"),
  SIGNET_PKCS11_MODULE: modulePath,
  SIGNET_PKCS11_TOKEN_LABEL: "cfg",
  SIGNET_PKCS11_PIN: PIN,
  ...overrides,
});

test.each([
  ["an unknown module path", { SIGNET_PKCS11_MODULE: "/nowhere/libpkcs11.so" }, "SIGNET_PKCS11_MODULE"],
  ["a wrong PIN", { SIGNET_PKCS11_PIN: "wrong-pin-1357" }, "SIGNET_PKCS11_PIN"],
  ["a missing token label", { SIGNET_PKCS11_TOKEN_LABEL: "no-such-token" }, "SIGNET_PKCS11_TOKEN_LABEL"],
  ["a module without a token label", { SIGNET_PKCS11_TOKEN_LABEL: "" }, "SIGNET_PKCS11_TOKEN_LABEL"],
  ["a token without a PIN", { SIGNET_PKCS11_PIN: "" }, "SIGNET_PKCS11_PIN"],
  ["a port that is not a number", { SIGNET_PORT: "eighty" }, "SIGNET_PORT"],
  ["no workers", { SIGNET_WORKERS: "0" }, "SIGNET_WORKERS"],
  ["a short bootstrap key", { SIGNET_BOOTSTRAP_API_KEY: "short-secret" }, "SIGNET_BOOTSTRAP_API_KEY"],
  ["an unreadable config file", { SIGNET_CONFIG: "/nowhere/signet.json" }, "SIGNET_CONFIG"],
] as const)("%s: exit 2, one line naming %s", async (_name, overrides, setting) => {
  const { code, output } = await startExpectingFailure(external(overrides));
  expect(code).toBe(2);
  const lines = output.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith(`signet: configuration error: ${setting}:`);
  for (const secret of [PIN, "wrong-pin-1357", "short-secret"]) expect(output).not.toContain(secret);
});

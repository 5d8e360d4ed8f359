import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config";
import { removeDir, tempDir } from "../support/server";

const dir = tempDir("cfg-unit");
afterAll(() => removeDir(dir));

test("embedded defaults", () => {
  const config = loadConfig({});
  expect(config.host).toBe("127.0.0.1");
  expect(config.port).toBe(8081);
  expect(config.dataDir).toEndWith("/data");
  expect(config.pkcs11.mode).toBe("embedded");
  expect(config.pool.workers).toBeGreaterThan(0);
  expect(config.bootstrapApiKey).toBeNull();
  expect(config.audit.commitTimeoutMs).toBe(10_000);
});

test("the audit commit timeout is bounded", () => {
  expect(loadConfig({ SIGNET_AUDIT_COMMIT_TIMEOUT_MS: "2500" }).audit.commitTimeoutMs).toBe(2_500);
  expect(() => loadConfig({ SIGNET_AUDIT_COMMIT_TIMEOUT_MS: "50" })).toThrow(ConfigError);
  expect(() => loadConfig({ SIGNET_AUDIT_COMMIT_TIMEOUT_MS: "soon" })).toThrow(ConfigError);
});

test("a config file is read, and the environment wins over it", () => {
  const file = join(dir, "signet.json");
  writeFileSync(file, JSON.stringify({ SIGNET_PORT: 9000, SIGNET_WORKERS: 3, SIGNET_HOST: "0.0.0.0" }));
  const config = loadConfig({ SIGNET_CONFIG: file, SIGNET_WORKERS: "4" });
  expect(config.port).toBe(9000);
  expect(config.host).toBe("0.0.0.0");
  expect(config.pool.workers).toBe(4);
});

test("an unknown key in the config file is refused", () => {
  const file = join(dir, "bad.json");
  writeFileSync(file, JSON.stringify({ PORT: 1 }));
  expect(() => loadConfig({ SIGNET_CONFIG: file })).toThrow(ConfigError);
});

test("external token settings go together", () => {
  expect(() => loadConfig({ SIGNET_PKCS11_MODULE: "/x.so" })).toThrow("SIGNET_PKCS11_TOKEN_LABEL");
  const config = loadConfig({ SIGNET_PKCS11_MODULE: "/x.so", SIGNET_PKCS11_TOKEN_LABEL: "t", SIGNET_PKCS11_PIN: "p" });
  expect(config.pkcs11).toEqual({ mode: "external", modulePath: "/x.so", tokenLabel: "t", pin: "p" });
});

test("an error names the setting and not its value when it is a secret", () => {
  try {
    loadConfig({ SIGNET_BOOTSTRAP_API_KEY: "tiny" });
    throw new Error("expected a ConfigError");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe("SIGNET_BOOTSTRAP_API_KEY");
    expect((error as Error).message).not.toContain("tiny");
  }
});

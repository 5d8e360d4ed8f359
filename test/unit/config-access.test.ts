/** The access, transport, limit and token settings: parsed, normalised, refused by name. */
import { expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config";

test("defaults: no TLS, any host, CORS off, every module on, no default rate limit", () => {
  const config = loadConfig({});
  expect(config.tls).toBeNull();
  expect(config.access).toEqual({ allowedHosts: null, corsOrigins: [], disabledModules: [], defaultRateLimit: null });
  expect(config.tokens).toEqual({ authAlgorithm: "ES256", authKeyLabel: "signet-auth-token", authTtlSeconds: 300, issuer: "signet", maxJwtTtlSeconds: 86400 });
  expect(config.limits).toMatchObject({ maxJsonDepth: 32, maxHeaderBytes: 8192, maxBatchItems: 1000, bodyTimeoutMs: 10000, idleTimeoutSeconds: 30 });
});

test("lists are split on commas, semicolons and spaces; * allows every host", () => {
  const config = loadConfig({
    SIGNET_ALLOWED_HOSTS: "API.example.com; *.internal.example, [::1]:8443",
    SIGNET_CORS_ORIGINS: "https://a.example, http://localhost:3000",
    SIGNET_DISABLED_MODULES: "audit lifecycle",
    SIGNET_RATE_LIMIT_DEFAULT: "2.5",
  });
  expect(config.access.allowedHosts).toEqual(["api.example.com", "*.internal.example", "[::1]:8443"]);
  expect(config.access.corsOrigins).toEqual(["https://a.example", "http://localhost:3000"]);
  expect(config.access.disabledModules).toEqual(["audit", "lifecycle"]);
  expect(config.access.defaultRateLimit).toEqual({ perSecond: 2.5, burst: 3 });
  expect(loadConfig({ SIGNET_ALLOWED_HOSTS: "*" }).access.allowedHosts).toBeNull();
  expect(loadConfig({ SIGNET_RATE_LIMIT_DEFAULT: "10:50" }).access.defaultRateLimit).toEqual({ perSecond: 10, burst: 50 });
});

test.each([
  ["SIGNET_ALLOWED_HOSTS", "exa mple.com/x"],
  ["SIGNET_CORS_ORIGINS", "https://a.example/"],
  ["SIGNET_CORS_ORIGINS", "*"],
  ["SIGNET_DISABLED_MODULES", "keyOperations,telepathy"],
  ["SIGNET_RATE_LIMIT_DEFAULT", "0"],
  ["SIGNET_RATE_LIMIT_DEFAULT", "ten"],
  ["SIGNET_AUTH_TOKEN_ALGORITHM", "HS256"],
  ["SIGNET_AUTH_TOKEN_KEY_LABEL", "../escape"],
  ["SIGNET_AUTH_TOKEN_TTL_SECONDS", "5"],
  ["SIGNET_MAX_JSON_DEPTH", "1"],
  ["SIGNET_MAX_HEADER_BYTES", "100000"],
  ["SIGNET_TLS_CLIENT_AUTH", "optional"],
  ["SIGNET_TLS_CLIENT_AUTH", "required"],
  ["SIGNET_TLS_CERT", "/nowhere/cert.pem"],
] as const)("%s=%p is refused by name", (name, value) => {
  expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  try {
    loadConfig({ [name]: value });
  } catch (error) {
    expect((error as ConfigError).setting).toBe(name);
  }
});

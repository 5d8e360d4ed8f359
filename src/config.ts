/**
 * Configuration from the environment, optionally merged over a JSON file named by
 * SIGNET_CONFIG (the environment wins). Validated in one pass; the first bad setting stops
 * start-up with a ConfigError that names it. Secrets (PINs, the bootstrap API key) are never
 * part of an error message.
 */
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export interface Pkcs11Settings {
  /** "embedded": Signet's own SoftHSM2 token under the data directory. */
  mode: "embedded" | "external";
  modulePath: string | null;
  tokenLabel: string | null;
  pin: string | null;
}

export interface PoolSettings {
  workers: number;
  sessionsPerWorker: number;
  queueMax: number;
  maxBatch: number;
  pipelineDepth: number;
  opTimeoutMs: number;
  keygenTimeoutMs: number;
  /** Sign cheap mechanisms on the main thread when the pool is idle (see Pkcs11Signer). */
  inlineSigning: boolean;
}

export interface AuditConfig {
  checkpointEvery: number;
  checkpointSeconds: number;
  origin: string | null;
  operations: boolean;
  /** The same denial again within this many seconds of its record is counted into one summary record; 0: each its own. */
  denialWindowSeconds: number;
  /** A record that waits longer for its commit, or for a writer thread, fails its operation (auditUnavailable), and every later one until the log is written again. */
  commitTimeoutMs: number;
}

/** API groups that configuration can switch off (SIGNET_DISABLED_MODULES); a disabled group answers 404. */
export const API_MODULES = [
  "keyManagement",
  "keyOperations",
  "certificates",
  "lifecycle",
  "audit",
  "management",
  "token",
  "auth",
  "admin",
  "docs",
] as const;

export type ApiModule = (typeof API_MODULES)[number];

export interface TlsSettings {
  /** PEM certificate chain and key (Bun's own TLS), or a PKCS#12 file (served through node:tls). */
  certPem: string | null;
  keyPem: string | null;
  pfx: Uint8Array | null;
  passphrase: string | null;
  clientAuth: "off" | "required";
  /** PEM bundle of CAs that issue client certificates. */
  clientCaPem: string | null;
  /** SHA-256 thumbprints (lowercase hex) of client certificates accepted without a CA. */
  clientThumbprints: string[];
}

export interface LimitSettings {
  maxBodyBytes: number;
  maxJsonDepth: number;
  maxHeaderBytes: number;
  maxBatchItems: number;
  bodyTimeoutMs: number;
  idleTimeoutSeconds: number;
  /** On SIGTERM / SIGINT, how long the requests under way may take to finish before their connections are closed. */
  shutdownGraceMs: number;
}

export interface AccessSettings {
  /** Host names (or `*.suffix` patterns, optionally with :port) requests may name; null: any. */
  allowedHosts: string[] | null;
  /** Exact origins allowed to call from a browser; empty: CORS off. */
  corsOrigins: string[];
  disabledModules: ApiModule[];
  /** Rate limit for clients without one of their own; null: none. */
  defaultRateLimit: { perSecond: number; burst: number } | null;
}

export interface TokenSettings {
  /** Signet's own bearer tokens (POST /v1/auth/token). */
  authAlgorithm: "ES256" | "EdDSA";
  authKeyLabel: string;
  authTtlSeconds: number;
  issuer: string;
  /** Longest life of a token minted by POST /v1/token/jwt. */
  maxJwtTtlSeconds: number;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  pkcs11: Pkcs11Settings;
  softhsmModule: string | null;
  pool: PoolSettings;
  maxPayloadBytes: number;
  maxBodyBytes: number;
  /** Largest generateRandom length. */
  maxRandomBytes: number;
  /** Most items, and most payload bytes in all, one POST /v1/batchSign takes, and the body that allows. */
  batch: { maxItems: number; maxBytes: number; maxBodyBytes: number; maxItemsInFlight: number; maxItemsWaiting: number };
  bootstrapApiKey: string | null;
  debugFaults: boolean;
  audit: AuditConfig;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  tls: TlsSettings | null;
  limits: LimitSettings;
  access: AccessSettings;
  tokens: TokenSettings;
}

export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = "ConfigError";
  }
}

type Source = Record<string, string | undefined>;

function loadSource(env: Source): Source {
  const file = env.SIGNET_CONFIG;
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError("SIGNET_CONFIG", `cannot read ${file} as JSON (${(error as Error).message})`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError("SIGNET_CONFIG", `${file} must hold a JSON object of SIGNET_* settings`);
  }
  const fromFile: Source = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!name.startsWith("SIGNET_")) throw new ConfigError("SIGNET_CONFIG", `unknown setting ${name} in ${file}`);
    fromFile[name] = String(value);
  }
  return { ...fromFile, ...env };
}

function integer(source: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = source[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function flag(source: Source, name: string): boolean {
  const raw = source[name];
  if (raw === undefined || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function pkcs11Settings(source: Source): Pkcs11Settings {
  const modulePath = source.SIGNET_PKCS11_MODULE || null;
  const tokenLabel = source.SIGNET_PKCS11_TOKEN_LABEL || null;
  const pin = source.SIGNET_PKCS11_PIN || null;
  if (!modulePath && !tokenLabel && !pin) return { mode: "embedded", modulePath: null, tokenLabel: null, pin: null };
  if (!modulePath) throw new ConfigError("SIGNET_PKCS11_MODULE", "must be set when an external token is configured");
  if (!tokenLabel) throw new ConfigError("SIGNET_PKCS11_TOKEN_LABEL", "must be set when an external token is configured");
  if (!pin) throw new ConfigError("SIGNET_PKCS11_PIN", "must be set when an external token is configured");
  return { mode: "external", modulePath, tokenLabel, pin };
}

function auditSettings(source: Source): AuditConfig {
  const origin = source.SIGNET_AUDIT_ORIGIN || null;
  if (origin !== null && (/[\s+]/u.test(origin) || origin.length > 200)) {
    throw new ConfigError("SIGNET_AUDIT_ORIGIN", "must be at most 200 characters without spaces or +, e.g. signet.example.com/audit");
  }
  return {
    checkpointEvery: integer(source, "SIGNET_AUDIT_CHECKPOINT_RECORDS", 1000, 1, 10_000_000),
    checkpointSeconds: integer(source, "SIGNET_AUDIT_CHECKPOINT_SECONDS", 60, 1, 86_400),
    origin,
    operations: source.SIGNET_AUDIT_OPERATIONS === undefined || source.SIGNET_AUDIT_OPERATIONS === "" ? true : flag(source, "SIGNET_AUDIT_OPERATIONS"),
    denialWindowSeconds: integer(source, "SIGNET_AUDIT_DENIAL_WINDOW_SECONDS", 10, 0, 3_600),
    commitTimeoutMs: integer(source, "SIGNET_AUDIT_COMMIT_TIMEOUT_MS", 10_000, 100, 600_000),
  };
}

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

function list(source: Source, name: string, separators = /[,;\s]+/): string[] {
  const raw = source[name];
  if (!raw) return [];
  return raw.split(separators).map((item) => item.trim()).filter((item) => item.length > 0);
}

function readFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(name, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

function pemFile(source: Source, name: string, label: RegExp, what: string): string | null {
  const path = source[name];
  if (!path) return null;
  const text = readFile(name, path).toString("utf8");
  if (!label.test(text)) throw new ConfigError(name, `${path} holds no PEM ${what}`);
  return text;
}

function tlsSettings(source: Source): TlsSettings | null {
  const certPem = pemFile(source, "SIGNET_TLS_CERT", /-----BEGIN CERTIFICATE-----/, "certificate");
  const keyPem = pemFile(source, "SIGNET_TLS_KEY", /-----BEGIN [A-Z ]*PRIVATE KEY-----/, "private key");
  const pfxPath = source.SIGNET_TLS_PFX || null;
  const clientAuth = source.SIGNET_TLS_CLIENT_AUTH || "off";
  if (clientAuth !== "off" && clientAuth !== "required") throw new ConfigError("SIGNET_TLS_CLIENT_AUTH", "must be off or required");
  if (!certPem && !keyPem && !pfxPath) {
    if (clientAuth !== "off") throw new ConfigError("SIGNET_TLS_CLIENT_AUTH", "needs a TLS listener (SIGNET_TLS_CERT and SIGNET_TLS_KEY, or SIGNET_TLS_PFX)");
    return null;
  }
  if (pfxPath && (certPem || keyPem)) throw new ConfigError("SIGNET_TLS_PFX", "give either SIGNET_TLS_PFX or SIGNET_TLS_CERT and SIGNET_TLS_KEY, not both");
  if (!pfxPath && !certPem) throw new ConfigError("SIGNET_TLS_CERT", "must be set together with SIGNET_TLS_KEY");
  if (!pfxPath && !keyPem) throw new ConfigError("SIGNET_TLS_KEY", "must be set together with SIGNET_TLS_CERT");
  const clientCaPem = pemFile(source, "SIGNET_TLS_CLIENT_CA", /-----BEGIN CERTIFICATE-----/, "certificate");
  const clientThumbprints = list(source, "SIGNET_TLS_CLIENT_THUMBPRINTS", /[,;\s]+/).map((entry) => {
    const hex = entry.replaceAll(":", "").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new ConfigError("SIGNET_TLS_CLIENT_THUMBPRINTS", "each entry must be a SHA-256 thumbprint (64 hex digits, colons allowed)");
    return hex;
  });
  return {
    certPem,
    keyPem,
    pfx: pfxPath ? new Uint8Array(readFile("SIGNET_TLS_PFX", pfxPath)) : null,
    passphrase: source.SIGNET_TLS_PASSPHRASE || null,
    clientAuth,
    clientCaPem,
    clientThumbprints,
  };
}

function rateLimit(source: Source, name: string): AccessSettings["defaultRateLimit"] {
  const raw = source[name];
  if (!raw) return null;
  const match = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(raw.trim());
  const perSecond = match ? Number(match[1]) : NaN;
  const burst = match?.[2] ? Number(match[2]) : Math.max(1, Math.ceil(perSecond));
  if (!match || !(perSecond > 0) || perSecond > 1_000_000 || !(burst >= 1) || burst > 1_000_000) {
    throw new ConfigError(name, `must be REQUESTS_PER_SECOND or REQUESTS_PER_SECOND:BURST, got "${raw}"`);
  }
  return { perSecond, burst };
}

function hostPattern(entry: string): string {
  const host = entry.toLowerCase();
  if (!/^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?$/.test(host) && !/^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(host)) {
    throw new ConfigError("SIGNET_ALLOWED_HOSTS", `"${entry}" is not a host name, *.domain pattern or [IPv6] literal (optionally with :port)`);
  }
  return host;
}

function accessSettings(source: Source): AccessSettings {
  const hosts = list(source, "SIGNET_ALLOWED_HOSTS");
  const corsOrigins = list(source, "SIGNET_CORS_ORIGINS").map((origin) => {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError("SIGNET_CORS_ORIGINS", `"${origin}" is not an origin such as https://app.example.com`);
    }
    if (parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
      throw new ConfigError("SIGNET_CORS_ORIGINS", `"${origin}" is not an origin such as https://app.example.com (no path, no trailing slash, no *)`);
    }
    return origin;
  });
  const disabledModules = list(source, "SIGNET_DISABLED_MODULES").map((name) => {
    if (!(API_MODULES as readonly string[]).includes(name)) {
      throw new ConfigError("SIGNET_DISABLED_MODULES", `unknown module "${name}" (modules: ${API_MODULES.join(", ")})`);
    }
    return name as ApiModule;
  });
  return {
    allowedHosts: hosts.length > 0 && !hosts.includes("*") ? hosts.map(hostPattern) : null,
    corsOrigins,
    disabledModules,
    defaultRateLimit: rateLimit(source, "SIGNET_RATE_LIMIT_DEFAULT"),
  };
}

function tokenSettings(source: Source): TokenSettings {
  const authAlgorithm = source.SIGNET_AUTH_TOKEN_ALGORITHM || "ES256";
  if (authAlgorithm !== "ES256" && authAlgorithm !== "EdDSA") throw new ConfigError("SIGNET_AUTH_TOKEN_ALGORITHM", "must be ES256 or EdDSA");
  const authKeyLabel = source.SIGNET_AUTH_TOKEN_KEY_LABEL || "signet-auth-token";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(authKeyLabel)) {
    throw new ConfigError("SIGNET_AUTH_TOKEN_KEY_LABEL", "must be 1 to 128 letters, digits, . _ -, starting with a letter or digit");
  }
  const issuer = source.SIGNET_AUTH_TOKEN_ISSUER || "signet";
  if (issuer.length > 256 || /[\u0000-\u001f]/.test(issuer)) throw new ConfigError("SIGNET_AUTH_TOKEN_ISSUER", "must be at most 256 printable characters");
  return {
    authAlgorithm,
    authKeyLabel,
    authTtlSeconds: integer(source, "SIGNET_AUTH_TOKEN_TTL_SECONDS", 300, 30, 86_400),
    issuer,
    maxJwtTtlSeconds: integer(source, "SIGNET_JWT_MAX_TTL_SECONDS", 86_400, 1, 31_622_400),
  };
}

export function loadConfig(env: Source = process.env): Config {
  const source = loadSource(env);
  const cores = availableParallelism();
  const port = integer(source, "SIGNET_PORT", 8081, 0, 65535);
  const host = source.SIGNET_HOST || "127.0.0.1";
  const bootstrapApiKey = source.SIGNET_BOOTSTRAP_API_KEY || null;
  if (bootstrapApiKey !== null && bootstrapApiKey.length < 16) {
    throw new ConfigError("SIGNET_BOOTSTRAP_API_KEY", "must be at least 16 characters long");
  }
  const logLevel = (source.SIGNET_LOG_LEVEL || "info") as Config["logLevel"];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError("SIGNET_LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  const maxPayloadBytes = integer(source, "SIGNET_MAX_PAYLOAD_BYTES", 1 << 20, 1, 64 << 20);
  // Base64 grows the payload by 4/3; the rest of a request is small.
  const maxBodyBytes = Math.ceil((maxPayloadBytes * 4) / 3) + 64 * 1024;
  const batchMaxItems = integer(source, "SIGNET_BATCH_MAX_ITEMS", 256, 1, 10_000);
  const batchMaxBytes = integer(source, "SIGNET_BATCH_MAX_BYTES", 1 << 20, 1, 64 << 20);
  const queueMax = integer(source, "SIGNET_QUEUE_MAX", 8192, 1, 1_000_000);
  return {
    host,
    port,
    dataDir: resolve(source.SIGNET_DATA_DIR || "./data"),
    pkcs11: pkcs11Settings(source),
    softhsmModule: source.SIGNET_SOFTHSM_MODULE || null,
    pool: {
      workers: integer(source, "SIGNET_WORKERS", cores, 1, 64),
      sessionsPerWorker: integer(source, "SIGNET_SESSIONS_PER_WORKER", 1, 1, 64),
      queueMax,
      maxBatch: integer(source, "SIGNET_MAX_BATCH", 256, 1, 4096),
      pipelineDepth: integer(source, "SIGNET_PIPELINE_DEPTH", 2, 1, 16),
      opTimeoutMs: integer(source, "SIGNET_OP_TIMEOUT_MS", 10_000, 100, 600_000),
      keygenTimeoutMs: integer(source, "SIGNET_KEYGEN_TIMEOUT_MS", 120_000, 1_000, 3_600_000),
      inlineSigning: flag(source, "SIGNET_INLINE_SIGN"),
    },
    maxPayloadBytes,
    maxBodyBytes,
    maxRandomBytes: integer(source, "SIGNET_MAX_RANDOM_BYTES", 4096, 1, 1 << 20),
    // A batch body: its payloads in base64, and each item's other fields (reference, key name, algorithm) at most ~1 KiB.
    batch: {
      maxItems: batchMaxItems,
      maxBytes: batchMaxBytes,
      maxBodyBytes: Math.ceil((batchMaxBytes * 4) / 3) + 64 * 1024 + batchMaxItems * 1024,
      maxItemsInFlight: integer(source, "SIGNET_BATCH_MAX_IN_FLIGHT", 512, 1, 1_000_000),
      maxItemsWaiting: queueMax,
    },
    bootstrapApiKey,
    debugFaults: flag(source, "SIGNET_DEBUG_FAULTS"),
    audit: auditSettings(source),
    logLevel,
    tls: tlsSettings(source),
    limits: {
      maxBodyBytes,
      maxJsonDepth: integer(source, "SIGNET_MAX_JSON_DEPTH", 32, 2, 512),
      maxHeaderBytes: integer(source, "SIGNET_MAX_HEADER_BYTES", 8192, 1024, 16_384),
      maxBatchItems: integer(source, "SIGNET_MAX_BATCH_ITEMS", 1000, 1, 100_000),
      bodyTimeoutMs: integer(source, "SIGNET_BODY_TIMEOUT_MS", 10_000, 100, 600_000),
      // Also bounds a request while the HSM works on it (key generation): not too short.
      idleTimeoutSeconds: integer(source, "SIGNET_IDLE_TIMEOUT_SECONDS", 30, 1, 255),
      shutdownGraceMs: integer(source, "SIGNET_SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    },
    access: accessSettings(source),
    tokens: tokenSettings(source),
  };
}

/**
 * The settings as the audit log records them at every start (configuration only changes with
 * a restart, so consecutive service.start records show every change). Secrets are left out:
 * PINs and passphrases entirely, the bootstrap key and TLS material as whether they are set,
 * certificates as the SHA-256 of their PEM so that a replaced one shows.
 */
export function auditedSettings(config: Config): Record<string, string | number | boolean | null | string[]> {
  const digest = (text: string | null) => (text === null ? null : createHash("sha256").update(text).digest("hex"));
  const { pool, limits, access, tokens, audit, batch } = config;
  return {
    host: config.host,
    port: config.port,
    pkcs11Mode: config.pkcs11.mode,
    pkcs11Module: config.pkcs11.modulePath ?? config.softhsmModule,
    pkcs11TokenLabel: config.pkcs11.tokenLabel,
    workers: pool.workers,
    sessionsPerWorker: pool.sessionsPerWorker,
    queueMax: pool.queueMax,
    maxBatch: pool.maxBatch,
    pipelineDepth: pool.pipelineDepth,
    opTimeoutMs: pool.opTimeoutMs,
    keygenTimeoutMs: pool.keygenTimeoutMs,
    inlineSigning: pool.inlineSigning,
    maxPayloadBytes: config.maxPayloadBytes,
    maxRandomBytes: config.maxRandomBytes,
    batchMaxItems: batch.maxItems,
    batchMaxBytes: batch.maxBytes,
    batchMaxInFlight: batch.maxItemsInFlight,
    bootstrapApiKeySet: config.bootstrapApiKey !== null,
    debugFaults: config.debugFaults,
    auditOperations: audit.operations,
    auditCheckpointRecords: audit.checkpointEvery,
    auditCheckpointSeconds: audit.checkpointSeconds,
    auditOrigin: audit.origin,
    auditDenialWindowSeconds: audit.denialWindowSeconds,
    auditCommitTimeoutMs: audit.commitTimeoutMs,
    tls: config.tls ? (config.tls.clientAuth === "required" ? "mutual" : "server") : "off",
    tlsCertificateSha256: digest(config.tls?.certPem ?? null),
    tlsPkcs12Set: (config.tls?.pfx ?? null) !== null,
    tlsClientCaSha256: digest(config.tls?.clientCaPem ?? null),
    tlsClientThumbprints: config.tls?.clientThumbprints ?? [],
    maxBodyBytes: limits.maxBodyBytes,
    maxJsonDepth: limits.maxJsonDepth,
    maxHeaderBytes: limits.maxHeaderBytes,
    maxBatchItems: limits.maxBatchItems,
    bodyTimeoutMs: limits.bodyTimeoutMs,
    idleTimeoutSeconds: limits.idleTimeoutSeconds,
    shutdownGraceMs: limits.shutdownGraceMs,
    allowedHosts: access.allowedHosts,
    corsOrigins: access.corsOrigins,
    disabledModules: access.disabledModules,
    defaultRateLimit: access.defaultRateLimit ? `${access.defaultRateLimit.perSecond}/s burst ${access.defaultRateLimit.burst}` : null,
    authTokenAlgorithm: tokens.authAlgorithm,
    authTokenKeyLabel: tokens.authKeyLabel,
    authTokenTtlSeconds: tokens.authTtlSeconds,
    tokenIssuer: tokens.issuer,
    maxJwtTtlSeconds: tokens.maxJwtTtlSeconds,
  };
}

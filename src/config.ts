/**
 * Configuration from the environment, optionally merged over a JSON file named by
 * SIGNET_CONFIG (the environment wins). Validated in one pass; the first bad setting stops
 * start-up with a ConfigError that names it. Secrets (PINs, the bootstrap API key) are never
 * part of an error message.
 */
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
  batch: { maxItems: number; maxBytes: number; maxBodyBytes: number };
  bootstrapApiKey: string | null;
  debugFaults: boolean;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
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

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

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
  const batchMaxItems = integer(source, "SIGNET_BATCH_MAX_ITEMS", 256, 1, 10_000);
  const batchMaxBytes = integer(source, "SIGNET_BATCH_MAX_BYTES", 1 << 20, 1, 64 << 20);
  return {
    host,
    port,
    dataDir: resolve(source.SIGNET_DATA_DIR || "./data"),
    pkcs11: pkcs11Settings(source),
    softhsmModule: source.SIGNET_SOFTHSM_MODULE || null,
    pool: {
      workers: integer(source, "SIGNET_WORKERS", cores, 1, 64),
      sessionsPerWorker: integer(source, "SIGNET_SESSIONS_PER_WORKER", 1, 1, 64),
      queueMax: integer(source, "SIGNET_QUEUE_MAX", 8192, 1, 1_000_000),
      maxBatch: integer(source, "SIGNET_MAX_BATCH", 256, 1, 4096),
      pipelineDepth: integer(source, "SIGNET_PIPELINE_DEPTH", 2, 1, 16),
      opTimeoutMs: integer(source, "SIGNET_OP_TIMEOUT_MS", 10_000, 100, 600_000),
      keygenTimeoutMs: integer(source, "SIGNET_KEYGEN_TIMEOUT_MS", 120_000, 1_000, 3_600_000),
    },
    maxPayloadBytes,
    // Base64 grows the payload by 4/3; the rest of a request is small.
    maxBodyBytes: Math.ceil((maxPayloadBytes * 4) / 3) + 64 * 1024,
    maxRandomBytes: integer(source, "SIGNET_MAX_RANDOM_BYTES", 4096, 1, 1 << 20),
    // A batch body: its payloads in base64, and each item's other fields (reference, key name, algorithm) at most ~1 KiB.
    batch: { maxItems: batchMaxItems, maxBytes: batchMaxBytes, maxBodyBytes: Math.ceil((batchMaxBytes * 4) / 3) + 64 * 1024 + batchMaxItems * 1024 },
    bootstrapApiKey,
    debugFaults: flag(source, "SIGNET_DEBUG_FAULTS"),
    logLevel,
  };
}

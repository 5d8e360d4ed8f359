/**
 * Structured logging (pino, JSON lines on stdout). Secrets never reach a log line: fields
 * whose names suggest one are redacted by pino before serialisation, and the code never puts
 * PINs, API keys or key material in a message in the first place.
 */
import pino from "pino";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const REDACT = [
  "pin", "*.pin", "soPin", "*.soPin", "userPin", "*.userPin", "secret", "*.secret", "apiKey", "*.apiKey",
  "password", "*.password", "token", "*.token", "headers['x-api-key']", "headers.authorization",
  "passphrase", "*.passphrase", "ticket", "*.ticket", "headers['x-auth-ticket']", "access_token", "*.access_token",
];

export function createLogger(level: "debug" | "info" | "warn" | "error" | "silent"): Logger {
  const log = pino({
    level,
    base: { service: "signet" },
    redact: { paths: REDACT, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { error: pino.stdSerializers.err },
  });
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

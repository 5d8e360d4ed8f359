/**
 * Signet's composition root: reads the configuration, opens the token and the store, builds
 * the domain services and the HTTP app, and listens. The only file that wires every layer.
 *
 * A bad configuration (an unknown module path, a wrong PIN, a missing token label, a
 * malformed setting) ends start-up with one line naming the setting and exit code 2.
 */
import { mkdirSync } from "node:fs";
import { ConfigError, loadConfig, type Config } from "./config";
import { AccessService } from "./domain/access";
import { CertificateService } from "./domain/certificates/certificate-service";
import { CipherService } from "./domain/crypto/cipher-service";
import { HmacService } from "./domain/crypto/hmac-service";
import { WrapService } from "./domain/crypto/wrap-service";
import { SYSTEM_CONTEXT } from "./domain/context";
import { KeyLifecycleService } from "./domain/keys/key-lifecycle";
import { KeyService } from "./domain/keys/key-service";
import { KeyTransferService } from "./domain/keys/key-transfer";
import { SigningService } from "./domain/signing/signing-service";
import { createApp } from "./http/app";
import { createLogger, type Logger } from "./logger";
import { listen } from "./platform/server";
import { findSoftHsmModule, prepareEmbeddedToken, type EmbeddedToken } from "./signer/embedded/softhsm";
import { SignerSetupError } from "./signer/pkcs11/module";
import { Pkcs11Signer } from "./signer/signer";
import { openStore } from "./store/db";

function stop(line: string): never {
  process.stderr.write(`signet: configuration error: ${line}\n`);
  process.exit(2);
}

interface TokenChoice {
  modulePath: string;
  tokenLabel: string;
  pin: string;
  embedded: EmbeddedToken | null;
}

function chooseToken(config: Config, logger: Logger): TokenChoice {
  if (config.pkcs11.mode === "external") {
    return { modulePath: config.pkcs11.modulePath!, tokenLabel: config.pkcs11.tokenLabel!, pin: config.pkcs11.pin!, embedded: null };
  }
  const modulePath = config.softhsmModule ?? findSoftHsmModule();
  if (!modulePath) stop("SIGNET_SOFTHSM_MODULE: SoftHSM2 is not installed (apt-get install softhsm2) and no module path is set");
  const embedded = prepareEmbeddedToken(config.dataDir, modulePath);
  if (embedded.created) logger.info("created the embedded SoftHSM2 token", { dataDir: config.dataDir });
  if (embedded.recovery.restored.length + embedded.recovery.removed.length > 0) {
    logger.warn("restored the embedded token from its last snapshot after an unclean stop", { ...embedded.recovery });
  }
  return { modulePath, tokenLabel: embedded.tokenLabel, pin: embedded.pin, embedded };
}

function settingOf(error: SignerSetupError, config: Config): string {
  if (config.pkcs11.mode === "embedded") return error.field === "module" ? "SIGNET_SOFTHSM_MODULE" : "SIGNET_DATA_DIR (embedded token)";
  return { module: "SIGNET_PKCS11_MODULE", tokenLabel: "SIGNET_PKCS11_TOKEN_LABEL", pin: "SIGNET_PKCS11_PIN" }[error.field];
}

async function main(): Promise<void> {
  const started = performance.now();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) stop(error.message);
    throw error;
  }
  const logger = createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  const token = chooseToken(config, logger);
  let signer: Pkcs11Signer;
  try {
    signer = await Pkcs11Signer.open({
      modulePath: token.modulePath,
      tokenLabel: token.tokenLabel,
      pin: token.pin,
      pool: config.pool,
      afterTokenChange: token.embedded ? () => token.embedded!.snapshots.take() : undefined,
    });
  } catch (error) {
    if (error instanceof SignerSetupError) stop(`${settingOf(error, config)}: ${error.message}`);
    throw error;
  }

  const store = openStore(config.dataDir);
  const access = new AccessService(store.credentials);
  if (config.bootstrapApiKey) access.ensureBootstrapKey(config.bootstrapApiKey);
  const keys = new KeyService(signer, store.keys);
  const reconciled = await keys.reconcile();
  if (reconciled.adopted.length + reconciled.dropped.length > 0) logger.info("reconciled keys with the token", reconciled);
  const signing = new SigningService(keys, signer, config.maxPayloadBytes);
  const ciphers = new CipherService(keys, signer, config.maxPayloadBytes);
  const wrapping = new WrapService(keys, signer);
  const certificates = new CertificateService(keys, signer);
  const transfer = new KeyTransferService(keys, signer, certificates);
  const lifecycle = new KeyLifecycleService(keys, store.keys, signer);
  const hmac = new HmacService(keys, signer, config.maxPayloadBytes, config.maxRandomBytes);

  const app = createApp({
    access,
    keys,
    transfer,
    lifecycle,
    signing,
    ciphers,
    wrapping,
    hmac,
    certificates,
    signer,
    logger,
    debugFaults: config.debugFaults,
    maxBodyBytes: config.maxBodyBytes,
    batchLimits: config.batch,
  });
  // Bun's own limit is a backstop for bodies sent without a length (it answers a bare 413);
  // a body that announces its length is refused by the app first, with the error body.
  const backstop = 2 * Math.max(config.maxBodyBytes, config.batch.maxBodyBytes) + (1 << 20);
  const server = listen(app, { host: config.host, port: config.port, maxRequestBodySize: backstop });
  logger.info("listening", {
    url: server.url,
    tokenLabel: signer.token.label,
    workers: config.pool.workers,
    startupMs: Math.round(performance.now() - started),
    actor: SYSTEM_CONTEXT.actor,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    await server.stop();
    signer.close();
    store.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

await main();

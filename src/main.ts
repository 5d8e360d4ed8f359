/**
 * Signet's composition root: reads the configuration, opens the token and the store, builds
 * the domain services and the HTTP app, and listens. The only file that wires every layer.
 *
 * A bad configuration (an unknown module path, a wrong PIN, a missing token label, a
 * malformed setting) ends start-up with one line naming the setting and exit code 2.
 */
import { mkdirSync } from "node:fs";
import { AuditLog } from "./audit/audit-log";
import { AuditReader } from "./audit/reader";
import { auditedSettings, ConfigError, loadConfig, type Config } from "./config";
import { AccessService } from "./domain/access";
import { AuthTokens, TokenKeyError } from "./domain/access/auth-tokens";
import { ClientAdminService } from "./domain/access/client-admin";
import { auditedAccessEvents } from "./domain/audit/access-events";
import { AuditService } from "./domain/audit/audit-service";
import { CertificateService } from "./domain/certificates/certificate-service";
import { CipherService } from "./domain/crypto/cipher-service";
import { HmacService } from "./domain/crypto/hmac-service";
import { WrapService } from "./domain/crypto/wrap-service";
import { SYSTEM_CONTEXT } from "./domain/context";
import { KeyAttestation } from "./domain/keys/key-attestation";
import { KeyLifecycleService } from "./domain/keys/key-lifecycle";
import { KeyService } from "./domain/keys/key-service";
import { KeyTransferService } from "./domain/keys/key-transfer";
import { ServiceInfo } from "./domain/service/service-info";
import { BatchSigner } from "./domain/signing/batch-sign";
import { SigningService } from "./domain/signing/signing-service";
import { TokenService } from "./domain/tokens/token-service";
import { createApp } from "./http/app";
import { SIGNET_VERSION } from "./http/routes/service";
import { createLogger, type Logger } from "./logger";
import { JSC_RAM_SIZE_VARIABLE, jscRamBytes } from "./platform/heap-sizing";
import { createListener } from "./platform/server";
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
  // How long each start-up step took, logged with "listening" (start-up is a target: < 1 s).
  const phases: Record<string, number> = {};
  let phaseStart = 0; // the first phase is the loading of modules, from the process start
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - phaseStart);
    phaseStart = now;
  };
  phase("modules");
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
  phase("hsmFiles");
  // The signer's Workers start one after another on threads of their own; the store (and its
  // migrations) opens on this thread meanwhile, which saves its time at every start.
  const opening = Pkcs11Signer.open({
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: token.pin,
    pool: config.pool,
    inlineSigning: config.pool.inlineSigning,
    afterTokenChange: token.embedded ? () => token.embedded!.snapshots.take() : undefined,
  });
  const store = openStore(config.dataDir);
  phase("store");
  let signer: Pkcs11Signer;
  try {
    signer = await opening;
  } catch (error) {
    if (error instanceof SignerSetupError) stop(`${settingOf(error, config)}: ${error.message}`);
    throw error;
  }
  phase("signer");

  const audit = await AuditLog.open({ dataDir: config.dataDir, repo: store.audit, signer, settings: config.audit, logger });
  phase("audit");
  await audit.record(SYSTEM_CONTEXT, {
    action: "service.start", objectType: "service", objectId: signer.token.label, outcome: "success",
    details: { version: SIGNET_VERSION, tokenLabel: signer.token.label, workers: config.pool.workers, auditOperations: config.audit.operations, settings: auditedSettings(config) },
  });
  const keys = new KeyService(signer, store.keys, audit);
  const reconciled = await keys.reconcile();
  if (reconciled.adopted.length + reconciled.dropped.length > 0) logger.info("reconciled keys with the token", reconciled);
  phase("keys");
  const signing = new SigningService(keys, signer, config.maxPayloadBytes, audit);
  const ciphers = new CipherService(keys, signer, config.maxPayloadBytes, audit);
  const wrapping = new WrapService(keys, signer, audit);
  const certificates = new CertificateService(keys, signer, audit);
  const transfer = new KeyTransferService(keys, signer, certificates, audit);
  const lifecycle = new KeyLifecycleService(keys, store.keys, signer, audit);
  const hmac = new HmacService(keys, signer, config.maxPayloadBytes, config.maxRandomBytes, audit);
  const auditService = new AuditService(audit, new AuditReader(store.audit), store.audit);
  const attestation = await KeyAttestation.open(keys, signer, audit);
  const serviceInfo = new ServiceInfo(keys, signer);
  phase("attestation");
  await audit.checkpoint().catch((error: unknown) => logger.error("could not sign an audit checkpoint", { error }));
  phase("checkpoint");

  // Signet's own bearer-token key: made in the token on first start, unless bearer tokens are off.
  let authTokens: AuthTokens | null = null;
  if (!config.access.disabledModules.includes("auth")) {
    try {
      authTokens = await AuthTokens.open(keys, signing, {
        algorithm: config.tokens.authAlgorithm,
        keyLabel: config.tokens.authKeyLabel,
        ttlSeconds: config.tokens.authTtlSeconds,
        issuer: config.tokens.issuer,
      });
    } catch (error) {
      if (error instanceof TokenKeyError) stop(`SIGNET_AUTH_TOKEN_KEY_LABEL: ${error.message}`);
      throw error;
    }
  }
  phase("authTokens");
  const events = auditedAccessEvents(audit, logger, config.audit.denialWindowSeconds * 1000);
  const tls = config.tls;
  const access = new AccessService(store.credentials, {
    events,
    reservedKeyLabels: [config.tokens.authKeyLabel],
    defaultRateLimit: config.access.defaultRateLimit,
    tokens: authTokens,
    allowedHosts: config.access.allowedHosts,
    clientCertificates:
      tls?.clientAuth === "required"
        ? { required: true, trust: { caConfigured: tls.clientCaPem !== null, thumbprints: new Set(tls.clientThumbprints) } }
        : null,
  });
  const admin = new ClientAdminService(store.credentials, events, () => access.forget());
  if (config.bootstrapApiKey) await admin.ensureBootstrapKey(config.bootstrapApiKey, SYSTEM_CONTEXT);
  const tokens = new TokenService(keys, signing, store.publishedKeys, {
    defaultTtlSeconds: Math.min(300, config.tokens.maxJwtTtlSeconds),
    maxTtlSeconds: config.tokens.maxJwtTtlSeconds,
    authTokens,
  }, audit);

  // Bun's own limit is a backstop for bodies sent without a length (it answers a bare 413);
  // the app refuses a body over the limit first, with the error body.
  const listener = createListener({
    host: config.host,
    port: config.port,
    maxRequestBodySize: 2 * Math.max(config.maxBodyBytes, config.batch.maxBodyBytes) + (1 << 20),
    idleTimeoutSeconds: config.limits.idleTimeoutSeconds,
    shutdownGraceMs: config.limits.shutdownGraceMs,
    maxHeaderBytes: config.limits.maxHeaderBytes,
    bodyTimeoutMs: config.limits.bodyTimeoutMs,
    onError: (error) => logger.error("request failed outside the app", { error }),
    tls: tls
      ? {
          certPem: tls.certPem,
          keyPem: tls.keyPem,
          pfx: tls.pfx,
          passphrase: tls.passphrase,
          requestClientCertificate: tls.clientAuth === "required",
          clientCaPem: tls.clientCaPem,
        }
      : null,
  });
  const app = createApp({
    access,
    admin,
    keys,
    transfer,
    lifecycle,
    attestation,
    serviceInfo,
    signing,
    ciphers,
    wrapping,
    hmac,
    certificates,
    tokens,
    signer,
    audit: auditService,
    logger,
    debugFaults: config.debugFaults,
    maxBodyBytes: config.maxBodyBytes,
    batches: new BatchSigner(signing, config.batch),
    limits: config.limits,
    peerOf: listener.peerOf,
    corsOrigins: config.access.corsOrigins,
    disabledModules: config.access.disabledModules,
    tls: tls !== null,
  });
  phase("app");
  let server: Awaited<ReturnType<typeof listener.start>>;
  try {
    server = await listener.start(app);
  } catch (error) {
    if (tls && error instanceof Error) stop(`${tls.pfx ? "SIGNET_TLS_PFX" : "SIGNET_TLS_CERT"}: the TLS listener could not start (${error.message.split("\n")[0]})`);
    throw error;
  }
  const jscRam = jscRamBytes();
  logger.info("listening", {
    url: server.url,
    tokenLabel: signer.token.label,
    workers: config.pool.workers,
    tls: tls ? (tls.clientAuth === "required" ? "mutual" : "server") : "off",
    startupMs: Math.round(performance.now() - started),
    startupPhasesMs: (phase("listen"), phases),
    jscRamBytes: jscRam,
    actor: SYSTEM_CONTEXT.actor,
  });
  if (jscRam === null) {
    logger.warn(`${JSC_RAM_SIZE_VARIABLE} is not set: the JavaScript heaps are sized for the machine's RAM, not for this service; start with npm run serve, or set it to the memory the service may use`, { actor: SYSTEM_CONTEXT.actor });
  }

  let stopping = false;
  let cutShort = () => {};
  const secondSignal = new Promise<void>((resolve) => (cutShort = resolve));
  const shutdown = async (signal: string) => {
    // A second signal during the drain (Ctrl-C again, an orchestrator that will not wait) cuts
    // the requests under way now; the stop is still recorded and the threads still awaited.
    if (stopping) {
      logger.warn("stopping now: the requests under way are cut", { signal });
      cutShort();
      return;
    }
    stopping = true;
    logger.info("stopping", { signal });
    await server.stop(secondSignal);
    await events.close();
    await audit
      .record(SYSTEM_CONTEXT, { action: "service.stop", objectType: "service", objectId: signer.token.label, outcome: "success", details: { signal } })
      .catch((error: unknown) => logger.error("could not record the stop", { error }));
    await audit.close();
    await signer.close();
    store.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

await main();

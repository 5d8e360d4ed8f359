/**
 * Service information and health: version, licence flags and key store statistics (the TSB
 * clients' connection check) for the service role; /health for anyone.
 */
import { Elysia, t } from "elysia";
import type { AuditService } from "../../domain/audit/audit-service";
import type { ServiceInfo } from "../../domain/service/service-info";
import type { Signer } from "../../signer/signer";
import type { authPlugin } from "../auth";
import { ResponseInteger, withErrors } from "../docs";

export const SIGNET_VERSION = "0.1.0";

const Capability = t.Object({
  available: t.Array(
    t.Object({
      name: t.String(),
      mechanisms: t.Array(t.String(), { description: "The token mechanisms it runs on." }),
      digest: t.Optional(t.String({ description: "Signatures: where the digest is computed (token, service, caller, none)." })),
    }),
  ),
  unavailable: t.Array(t.Object({ name: t.String(), missing: t.String({ description: "The mechanism (or property) the token lacks." }) })),
});

const StatisticsResponse = t.Object({
  keyStoreStatistics: t.String({ description: "One line (the TSB answers a string): keys by algorithm, and the token.", examples: ['3 keys (EC 2, RSA 1) on token "signet" (SoftHSM project SoftHSM v2, serial 1a2b3c4d)'] }),
  token: t.Object({ label: t.String(), manufacturer: t.String(), model: t.String(), serialNumber: t.String() }),
  keys: t.Object({ total: ResponseInteger(), byAlgorithm: t.Record(t.String(), ResponseInteger()) }, { description: "Keys the caller may use (its key allow-list)." }),
  capabilities: t.Object(
    {
      mechanisms: t.Array(t.String(), { description: "Every mechanism the token lists." }),
      traits: t.Object({ deterministicEcdsa: t.Boolean({ description: "The token's ECDSA uses RFC 6979 nonces (probed at start)." }) }),
      keyTypes: Capability,
      signatureAlgorithms: Capability,
      cipherAlgorithms: Capability,
      wrapMethods: Capability,
    },
    { description: "What Signet can serve on this token, by TSB name, and for the rest the mechanism the token lacks (Signet extension)." },
  ),
});

const PoolResponse = t.Object({
  workersReady: ResponseInteger({ description: "Signing Workers ready to take operations." }),
  workersConfigured: ResponseInteger({ description: "SIGNET_WORKERS." }),
  queued: ResponseInteger({ description: "Operations waiting for a Worker now." }),
  inFlight: ResponseInteger({ description: "Operations held by the Workers now." }),
  batches: ResponseInteger({ description: "Worker messages sent since start; operations ÷ batches is the mean batch." }),
  operations: ResponseInteger({ description: "Operations sent to the Workers since start." }),
  workerRestarts: ResponseInteger({ description: "Workers replaced since start (died or hung)." }),
});

export function serviceRoutes(auth: ReturnType<typeof authPlugin>, signer: Signer, info: ServiceInfo, audit: AuditService) {
  return new Elysia({ name: "signet.routes.service" })
    .use(auth)
    .get("/v1/keystore/statistics", ({ context }) => info.statistics(context), {
      role: { role: "service", scope: "service:info" },
      response: withErrors(StatisticsResponse, "Key store statistics and the token's capabilities."),
      detail: {
        tags: ["Service Information"],
        operationId: "keyStoreStatistics",
        summary: "Key store statistics (the TSB clients' connection check) and what the token can do",
        description:
          "keyStoreStatistics is one line, as the TSB's; the other fields are Signet's: the token, the keys the caller may use by " +
          "algorithm, and every key type, signature algorithm, cipher and wrap method by name, served (with the mechanisms it runs on) " +
          "or not (with the mechanism the token lacks).",
      },
    })
    .get("/v1/licenseInfo", () => info.license(), {
      role: { role: "service", scope: "service:info" },
      response: withErrors(
        t.Object({ clientFlags: t.Array(t.String(), { description: "REST_API: the synchronous REST API (no SKA approvals, no asynchronous requests).", examples: [["REST_API"]] }) }),
        "Licence flags.",
      ),
      detail: { tags: ["Service Information"], operationId: "licenseInfo", summary: "Licence flags (the TSB's shape)" },
    })
    .get("/v1/versionInfo", () => ({ Version: SIGNET_VERSION, Vendor: "Signet" }), {
      role: { role: "service", scope: "service:info" },
      response: withErrors(t.Object({ Version: t.String({ examples: [SIGNET_VERSION] }), Vendor: t.String({ examples: ["Signet"] }) }), "Version and vendor."),
      detail: { tags: ["Service Information"], operationId: "versionInfo", summary: "Version of the service", },
    })
    .get("/v1/pool", () => signer.health().pool, {
      role: { role: "service", scope: "service:info" },
      response: withErrors(PoolResponse, "The signing pool's counters."),
      detail: {
        tags: ["Service Information"],
        operationId: "poolStats",
        summary: "The signing pool's queue and batch counters (Signet extension)",
        description:
          "What waits and what the Workers hold now, and the Worker messages and operations since start: read it before and after a " +
          "load to see how many operations a message carried (the bench does, beside the audit's records a commit).",
      },
    })
    .get(
      "/health",
      ({ set }) => {
        const health = signer.health();
        const auditWriting = !audit.writerUnavailable();
        const ok = health.tokenPresent && health.pool.workersReady > 0 && auditWriting;
        set.status = ok ? 200 : 503;
        return {
          status: ok ? "ok" : "unavailable",
          token: { present: health.tokenPresent, label: health.tokenLabel },
          workers: { ready: health.pool.workersReady, configured: health.pool.workersConfigured, restarts: health.pool.workerRestarts },
          queue: { waiting: health.pool.queued, inFlight: health.pool.inFlight },
          audit: { writing: auditWriting },
        };
      },
      {
        detail: {
          tags: ["Service Information"],
          operationId: "health",
          summary: "Liveness, the token's and the audit log's state (no authentication)",
          security: [],
          description:
            "200 when the token is present, at least one signing worker is ready and the audit log is writing; 503 otherwise. " +
            "audit.writing is false while audited operations fail at once: an audit commit has outlived SIGNET_AUDIT_COMMIT_TIMEOUT_MS and not returned, " +
            "or no audit writer thread has opened the log for as long.",
        },
      },
    );
}

/** Service information and health. */
import { Elysia, t } from "elysia";
import type { Signer } from "../../signer/signer";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";

export const SIGNET_VERSION = "0.1.0";

export function serviceRoutes(auth: ReturnType<typeof authPlugin>, signer: Signer) {
  return new Elysia({ name: "signet.routes.service" })
    .use(auth)
    .get("/v1/versionInfo", () => ({ Version: SIGNET_VERSION, Vendor: "Signet" }), {
      role: { role: "service", scope: "service:info" },
      response: withErrors(t.Object({ Version: t.String({ examples: [SIGNET_VERSION] }), Vendor: t.String({ examples: ["Signet"] }) }), "Version and vendor."),
      detail: { tags: ["Service Information"], operationId: "versionInfo", summary: "Version of the service", },
    })
    .get(
      "/health",
      ({ set }) => {
        const health = signer.health();
        const ok = health.tokenPresent && health.pool.workersReady > 0;
        set.status = ok ? 200 : 503;
        return {
          status: ok ? "ok" : "unavailable",
          token: { present: health.tokenPresent, label: health.tokenLabel },
          workers: { ready: health.pool.workersReady, configured: health.pool.workersConfigured, restarts: health.pool.workerRestarts },
          queue: { waiting: health.pool.queued, inFlight: health.pool.inFlight },
        };
      },
      {
        detail: {
          tags: ["Service Information"],
          operationId: "health",
          summary: "Liveness and the token's state (no authentication)",
          security: [],
          description: "200 when the token is present and at least one signing worker is ready, 503 otherwise.",
        },
      },
    );
}

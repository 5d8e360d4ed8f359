/**
 * Fault injection, for tests and drills: kill, crash or hang a signing worker, close every
 * PKCS#11 session, make the token stop answering every worker until it recovers, or make the
 * audit log's commits stop returning, or its writer thread die and stay unable to open the log,
 * until it recovers. Exists only when SIGNET_DEBUG_FAULTS is set, and needs the admin role.
 */
import { Elysia, t } from "elysia";
import { SignetError } from "../../errors";
import type { AuditService } from "../../domain/audit/audit-service";
import type { Signer } from "../../signer/signer";
import type { authPlugin } from "../auth";

/** The audit writer's faults, by the name the route takes (audit/writer.ts). */
const AUDIT_WRITER_FAULTS = { stallAuditWriter: "stall", crashAuditWriter: "crash", recoverAuditWriter: "recover" } as const;

const isAuditWriterFault = (fault: string): fault is keyof typeof AUDIT_WRITER_FAULTS => Object.hasOwn(AUDIT_WRITER_FAULTS, fault);

export function debugRoutes(auth: ReturnType<typeof authPlugin>, signer: Signer, audit: AuditService) {
  return new Elysia({ name: "signet.routes.debug" }).use(auth).post(
    "/v1/debug/faults",
    ({ body }) => {
      if (isAuditWriterFault(body.fault)) {
        audit.injectWriterFault(AUDIT_WRITER_FAULTS[body.fault]);
        return { injected: body.fault };
      }
      const injected =
        body.fault === "killWorker" || body.fault === "crashWorker" || body.fault === "hangWorker"
          ? signer.injectFault({ kind: body.fault, worker: body.worker ?? 0 })
          : signer.injectFault({ kind: body.fault });
      if (!injected) throw new SignetError("resourceNotFound", `no ready worker ${body.worker ?? 0}`);
      return { injected: body.fault };
    },
    {
      role: { role: "admin", scope: "admin:debug" },
      parse: "json",
      body: t.Object({
        fault: t.Union(
          [
            t.Literal("killWorker"),
            t.Literal("crashWorker"),
            t.Literal("hangWorker"),
            t.Literal("closeAllSessions"),
            t.Literal("stallToken"),
            t.Literal("recoverToken"),
            t.Literal("stallAuditWriter"),
            t.Literal("crashAuditWriter"),
            t.Literal("recoverAuditWriter"),
          ],
          {
            description:
              "stallToken: every signing worker blocks before its next batch, replacements included, until recoverToken. " +
              "stallAuditWriter: the audit writer blocks before its next commit, as on a disk that stopped answering; crashAuditWriter: " +
              "the audit writer thread dies and new ones cannot open the log, as when the disk is gone; both until recoverAuditWriter.",
          },
        ),
        worker: t.Optional(t.Integer({ minimum: 0, description: "The worker, for killWorker, crashWorker and hangWorker." })),
      }),
      detail: { tags: ["Debug"], summary: "Inject a fault (only with SIGNET_DEBUG_FAULTS)" },
    },
  );
}

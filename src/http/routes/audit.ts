/**
 * The audit log's routes, all under the auditor role: search and read records, the latest
 * signed checkpoint, inclusion and consistency proofs, the public key, export bundles
 * (streamed) and their verification.
 */
import { Elysia, t } from "elysia";
import type { AuditService } from "../../domain/audit/audit-service";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import {
  AuditRecordSchema, CheckpointSchema, CommitStatsSchema, ConsistencyQuery, ConsistencySchema, ExportQuery, HashBody, ListQuery, ProofQuery,
  ProofSchema, PublicKeySchema, RecordPageSchema, SeqParams, VerifyResultSchema,
} from "./audit.model";

const TAGS = ["Audit"];
const CONTENT_TYPES = { json: "application/json", csv: "text/csv; charset=utf-8", xml: "application/xml; charset=utf-8" } as const;

function checkpointView(c: { origin: string; treeSize: number; rootHash: Uint8Array; time: string; note: string }) {
  return { origin: c.origin, treeSize: c.treeSize, rootHash: Buffer.from(c.rootHash).toString("base64"), time: c.time, note: c.note };
}

export function auditRoutes(auth: ReturnType<typeof authPlugin>, audit: AuditService) {
  return new Elysia({ name: "signet.routes.audit" })
    .use(auth)
    .get("/v1/audit", ({ query, context }) => audit.list(query, query.limit ?? 100, query.cursor, context), {
      role: { role: "auditor", scope: "audit:read" },
      query: ListQuery,
      response: withErrors(RecordPageSchema, "A page of records in seq order."),
      detail: {
        tags: TAGS, operationId: "listAuditRecords", summary: "Search the audit log",
        description: "Records matching every given filter, oldest first, `limit` at a time; follow `nextCursor` for the next page.",
      },
    })
    .get("/v1/audit/checkpoint", async ({ context }) => checkpointView(await audit.checkpoint(context)), {
      role: { role: "auditor", scope: "audit:read" },
      response: withErrors(CheckpointSchema, "The latest signed checkpoint."),
      detail: {
        tags: TAGS, operationId: "auditCheckpoint", summary: "The latest signed checkpoint",
        description: "Tree size, RFC 6962 root and time, signed in the HSM as a C2SP signed note. Written every N records, every T seconds, at each export and at stop.",
      },
    })
    .get("/v1/audit/commits", () => audit.commitStats(), {
      role: { role: "auditor", scope: "audit:read" },
      response: withErrors(CommitStatsSchema, "Commit counts and times since start."),
      detail: {
        tags: TAGS, operationId: "auditCommits", summary: "How long the audit log's commits take",
        description:
          "Every audited operation is answered only once the transaction holding its record has committed (fsync included), so " +
          "the commit time is the latency the audit adds. Cumulative since start: take two readings and subtract them for a window.",
      },
    })
    .get("/v1/audit/publicKey", () => audit.publicKey(), {
      role: { role: "auditor", scope: "audit:read" },
      response: withErrors(PublicKeySchema, "The key that signs checkpoints."),
      detail: { tags: TAGS, operationId: "auditPublicKey", summary: "The audit public key (Ed25519, in the HSM)" },
    })
    .get(
      "/v1/audit/export",
      async ({ query, context }) => {
        const format = query.format ?? "json";
        const { format: _format, ...filters } = query;
        const stream = await audit.export(filters, format, context);
        return new Response(stream, {
          headers: {
            "content-type": CONTENT_TYPES[format],
            "content-disposition": `attachment; filename="signet-audit.${format}"`,
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
          },
        });
      },
      {
        role: { role: "auditor", scope: "audit:read" },
        query: ExportQuery,
        detail: {
          tags: TAGS, operationId: "exportAudit", summary: "Export records as a verifiable bundle (JSON, CSV or XML)",
          description:
            "Streams the records matching the filters together with a checkpoint signed for this export and each record's " +
            "inclusion proof. POST the bundle to /v1/audit/verify, or check it offline with `bun src/cli.ts audit verify`.",
        },
      },
    )
    .get("/v1/audit/proof/:seq", ({ params, query, context }) => audit.proof(params.seq, query.treeSize, context), {
      role: { role: "auditor", scope: "audit:read" },
      params: SeqParams,
      query: ProofQuery,
      response: withErrors(ProofSchema, "The inclusion proof."),
      detail: {
        tags: TAGS, operationId: "auditInclusionProof", summary: "Inclusion proof of a record",
        description: "Against the latest checkpoint (returned with it) unless treeSize is given.",
      },
    })
    .get("/v1/audit/consistency", ({ query, context }) => audit.consistency(query.from, query.to, context), {
      role: { role: "auditor", scope: "audit:read" },
      query: ConsistencyQuery,
      response: withErrors(ConsistencySchema, "The consistency proof."),
      detail: { tags: TAGS, operationId: "auditConsistencyProof", summary: "Consistency proof between two tree sizes" },
    })
    .post("/v1/audit/verify", ({ body, context }) => audit.verify(body, context), {
      role: { role: "auditor", scope: "audit:read" },
      parse: "text",
      body: t.String({ description: "A bundle exactly as GET /v1/audit/export produced it (JSON, CSV or XML)." }),
      response: withErrors(VerifyResultSchema, "Whether the bundle is a true extract of the signed log."),
      detail: {
        tags: TAGS, operationId: "verifyAuditBundle", summary: "Verify an export bundle",
        description:
          "Checks the checkpoint's signature with the audit key, each record's inclusion proof and hash-chain link, and for an " +
          "unfiltered export that no record is missing. A tampered bundle answers 200 with valid false and firstBadSeq.",
      },
    })
    .post("/v1/audit/hash", async ({ body }) => ({ hash: await audit.hash(body.value) }), {
      role: { role: "auditor", scope: "audit:read" },
      parse: "json",
      body: HashBody,
      response: withErrors(t.Object({ hash: t.String({ examples: ["hmac-sha256:3f2a..."] }) }), "The keyed hash."),
      detail: {
        tags: TAGS, operationId: "auditHash", summary: "Keyed hash of a value, as records hold personal data",
        description: "Lets an auditor find the records of a client address without the log ever holding the address.",
      },
    })
    .get("/v1/audit/:seq", ({ params, context }) => audit.get(params.seq, context), {
      role: { role: "auditor", scope: "audit:read" },
      params: SeqParams,
      response: withErrors(AuditRecordSchema, "The record."),
      detail: { tags: TAGS, operationId: "getAuditRecord", summary: "One audit record" },
    });
}

/** Request and response schemas of the audit routes. */
import { t } from "elysia";
import { ResponseInteger } from "../docs";

const b64Hash = (description: string) => t.String({ description, examples: ["CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="] });

export const AuditFilterQuery = {
  actor: t.Optional(t.String({ maxLength: 255, description: "Client id of the caller, or system / cli." })),
  action: t.Optional(t.String({ maxLength: 64, description: "e.g. sign, verify, key.create, key.delete, key.adopt, apiKey.create, service.start, audit.export." })),
  objectType: t.Optional(t.String({ maxLength: 64, description: "key, apiClient, service, auditLog." })),
  object: t.Optional(t.String({ maxLength: 255, description: "The object's id, e.g. a key label." })),
  outcome: t.Optional(t.Union([t.Literal("success"), t.Literal("failure"), t.Literal("denied")])),
  from: t.Optional(t.String({ maxLength: 40, description: "Records at or after this RFC 3339 time.", examples: ["2026-11-23T00:00:00Z"] })),
  to: t.Optional(t.String({ maxLength: 40, description: "Records before this RFC 3339 time." })),
};

export const ListQuery = t.Object({
  ...AuditFilterQuery,
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: "Records per page (default 100)." })),
  cursor: t.Optional(t.String({ maxLength: 20, description: "nextCursor of the previous page." })),
});

export const ExportQuery = t.Object({
  ...AuditFilterQuery,
  format: t.Optional(t.Union([t.Literal("json"), t.Literal("csv"), t.Literal("xml")], { description: "Default json." })),
});

export const AuditRecordSchema = t.Object({
  seq: ResponseInteger({ description: "Sequence number from 1, without gaps; the record's leaf index is seq - 1." }),
  time: t.String({ examples: ["2026-11-23T17:10:03.123Z"] }),
  actor: t.String({ description: "Client id, or system / cli." }),
  action: t.String({ examples: ["sign"] }),
  objectType: t.Union([t.String(), t.Null()]),
  objectId: t.Union([t.String(), t.Null()]),
  outcome: t.String({ examples: ["success"] }),
  requestId: t.Union([t.String(), t.Null()]),
  clientAddress: t.Union([t.String({ description: "hmac-sha256:<hex> of the address, keyed in the HSM." }), t.Null()]),
  details: t.Record(t.String(), t.Unknown(), { description: "For sign / verify: algorithm, keyVersion, payloadSha256 (hex), errorCode and reason when refused." }),
  prevHash: b64Hash("SHA-256 of the previous record's canonical entry (the hash chain)."),
});

export const RecordPageSchema = t.Object({
  records: t.Array(AuditRecordSchema),
  nextCursor: t.Union([t.String(), t.Null()], { description: "Pass as cursor for the next page; null on the last." }),
});

export const CheckpointSchema = t.Object({
  origin: t.String(),
  treeSize: ResponseInteger(),
  rootHash: b64Hash("RFC 6962 root of the first treeSize records."),
  time: t.String(),
  note: t.String({ description: "The C2SP signed note (tlog-checkpoint body, Ed25519 signature line)." }),
});

export const ProofSchema = t.Object({
  seq: ResponseInteger(),
  leafIndex: ResponseInteger(),
  treeSize: ResponseInteger(),
  leafHash: b64Hash("SHA-256(0x00 ‖ entry) as stored in the tree."),
  hashes: t.Array(t.String(), { description: "RFC 6962 audit path, bottom-up, base64." }),
  checkpoint: t.Union([t.String(), t.Null()], { description: "The signed checkpoint of treeSize, when the proof is against one." }),
});

export const ConsistencySchema = t.Object({
  from: ResponseInteger(),
  to: ResponseInteger(),
  fromRoot: t.String(),
  toRoot: t.String(),
  hashes: t.Array(t.String(), { description: "RFC 6962 consistency proof, base64." }),
});

export const PublicKeySchema = t.Object({
  origin: t.String({ description: "Origin line of the checkpoints and the key name of their signatures." }),
  algorithm: t.Literal("Ed25519"),
  publicKey: t.String({ description: "DER SubjectPublicKeyInfo, base64." }),
  pem: t.String(),
  verifierKey: t.String({ description: "C2SP signed-note verifier key: <name>+<key id hex>+<base64(0x01 ‖ key)>." }),
});

export const VerifyResultSchema = t.Object({
  valid: t.Boolean(),
  treeSize: t.Union([ResponseInteger(), t.Null()]),
  rootHash: t.Union([t.String(), t.Null()]),
  firstBadSeq: t.Optional(ResponseInteger({ description: "The lowest seq at which the bundle departs from the signed log." })),
  problem: t.Optional(t.String()),
  records: ResponseInteger(),
  complete: t.Boolean({ description: "True when the export had no filter: every record up to treeSize must be present." }),
});

export const SeqParams = t.Object({ seq: t.Numeric({ minimum: 1, maximum: 2 ** 40 }) });
export const ProofQuery = t.Object({ treeSize: t.Optional(t.Numeric({ minimum: 1, maximum: 2 ** 40 })) });
export const ConsistencyQuery = t.Object({
  from: t.Numeric({ minimum: 1, maximum: 2 ** 40 }),
  to: t.Optional(t.Numeric({ minimum: 1, maximum: 2 ** 40, description: "Default: the latest checkpoint's size." })),
});
export const HashBody = t.Object({ value: t.String({ minLength: 1, maxLength: 1024, description: "e.g. a client address." }) });

export const CommitStatsSchema = t.Object({
  commits: ResponseInteger({ description: "Transactions committed by the audit writer since the service started." }),
  records: ResponseInteger({ description: "Records those transactions held." }),
  atMostMs: t.Array(
    t.Object({
      le: t.Union([t.Number(), t.Null()], { description: "Upper bound of the bucket in ms (null: slower than every bound)." }),
      commits: ResponseInteger({ description: "Commits that took at most `le` ms, since start (cumulative, as Prometheus histograms)." }),
    }),
    { description: "Commit wall time, fsync included, in buckets growing by √2 from 0.125 to 128 ms." },
  ),
});

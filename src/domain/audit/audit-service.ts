/**
 * The auditor's view of the log: search, single records, checkpoints, proofs, export bundles
 * and their verification. Checks the parameters (a bad one is a SignetError, never a 500) and
 * records the exports themselves: audit data leaving the service is an event worth keeping.
 */
import type { AuditLog, SignedCheckpoint } from "../../audit/audit-log";
import type { CommitStatsSnapshot } from "../../audit/commit-stats";
import type { ExportFormat } from "../../audit/bundle";
import { exportStream } from "../../audit/export";
import { ed25519Spki } from "../../audit/hsm-keys";
import type { AuditReader, RecordPage } from "../../audit/reader";
import type { AuditRecord } from "../../audit/record";
import { verifyBundle, type VerifyResult } from "../../audit/verify";
import { SignetError } from "../../errors";
import type { AuditFilter, AuditRepository } from "../../store/audit";
import type { OperationContext } from "../context";

export interface AuditQuery {
  actor?: string;
  action?: string;
  objectType?: string;
  object?: string;
  outcome?: string;
  from?: string;
  to?: string;
}

export interface ProofView {
  seq: number;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  hashes: string[];
  /** The signed checkpoint of this tree size, when the proof was made against one. */
  checkpoint: string | null;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

function instant(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(time)) {
    throw new SignetError("inputValidation", `${name} must be an RFC 3339 time such as 2026-11-23T17:10:03Z`);
  }
  return new Date(time).toISOString();
}

export class AuditService {
  constructor(
    private readonly log: AuditLog,
    private readonly reader: AuditReader,
    private readonly repo: AuditRepository,
  ) {}

  /**
   * Whether audited operations fail at once now (GET /health): an audit commit has outlived
   * SIGNET_AUDIT_COMMIT_TIMEOUT_MS and not returned, or no writer thread has opened the log for as long.
   */
  writerUnavailable(): boolean {
    return this.log.writerUnavailable();
  }

  /** Fault injection (POST /v1/debug/faults): a commit that stalls, a writer that dies for good, recovery. */
  injectWriterFault(fault: "stall" | "crash" | "recover"): void {
    this.log.injectWriterFault(fault);
  }

  /** The audit writer's commit times since start (GET /v1/audit/commits, read by the bench). */
  commitStats(): CommitStatsSnapshot {
    return this.log.commitStats();
  }

  filterOf(query: AuditQuery): AuditFilter {
    return {
      actor: query.actor,
      action: query.action,
      objectType: query.objectType,
      objectId: query.object,
      outcome: query.outcome,
      from: instant(query.from, "from"),
      to: instant(query.to, "to"),
    };
  }

  list(query: AuditQuery, limit: number, cursor: string | undefined, _context: OperationContext): RecordPage {
    if (cursor !== undefined && !/^(0|[1-9][0-9]{0,15})$/.test(cursor)) {
      throw new SignetError("inputValidation", "cursor must be a nextCursor value from an earlier page");
    }
    return this.reader.page(this.filterOf(query), cursor === undefined ? 0 : Number(cursor), limit);
  }

  get(seq: number, _context: OperationContext): AuditRecord {
    const record = this.reader.get(seq);
    if (!record) throw new SignetError("resourceNotFound", `no audit record ${seq}`);
    return record;
  }

  /** The latest signed checkpoint; one is signed now if none covers any record yet. */
  async checkpoint(_context: OperationContext): Promise<SignedCheckpoint> {
    return this.log.latestCheckpoint() ?? (await this.log.checkpoint());
  }

  async proof(seq: number, treeSize: number | undefined, context: OperationContext): Promise<ProofView> {
    const head = this.log.head();
    if (seq > head.size) throw new SignetError("resourceNotFound", `no audit record ${seq}; the log has ${head.size}`);
    let checkpoint: SignedCheckpoint | null = null;
    if (treeSize === undefined) {
      checkpoint = await this.checkpoint(context);
      if (checkpoint.treeSize < seq) checkpoint = await this.log.checkpoint();
      treeSize = checkpoint.treeSize;
    } else if (treeSize < seq || treeSize > head.size) {
      throw new SignetError("inputValidation", `treeSize must be from ${seq} to ${head.size}`);
    }
    const proof = this.reader.inclusion(seq, treeSize);
    return {
      seq, leafIndex: proof.leafIndex, treeSize, leafHash: b64(proof.leafHash), hashes: proof.hashes.map(b64),
      checkpoint: checkpoint?.note ?? null,
    };
  }

  async consistency(from: number, to: number | undefined, context: OperationContext) {
    const size = to ?? (await this.checkpoint(context)).treeSize;
    const head = this.log.head();
    if (from > size || size > head.size) {
      throw new SignetError("inputValidation", `consistency needs 1 ≤ from ≤ to ≤ ${head.size} (from ${from}, to ${size})`);
    }
    return {
      from, to: size, fromRoot: b64(this.reader.rootAt(from)), toRoot: b64(this.reader.rootAt(size)),
      hashes: this.reader.consistency(from, size).map(b64),
    };
  }

  publicKey() {
    const spki = ed25519Spki(this.log.publicKey);
    return {
      origin: this.log.origin,
      algorithm: "Ed25519" as const,
      publicKey: spki.toString("base64"),
      pem: `-----BEGIN PUBLIC KEY-----\n${spki.toString("base64")}\n-----END PUBLIC KEY-----\n`,
      verifierKey: this.log.verifierKey,
    };
  }

  /** Signs a checkpoint for this export, records the export, and streams the bundle. */
  async export(query: AuditQuery, format: ExportFormat, context: OperationContext): Promise<ReadableStream<Uint8Array>> {
    const filter = this.filterOf(query);
    await this.log.record(context, {
      action: "audit.export", objectType: "auditLog", objectId: this.log.origin, outcome: "success",
      details: { format, filters: Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) },
    });
    const checkpoint = await this.log.checkpoint();
    return exportStream(this.repo, this.reader, checkpoint, filter, format);
  }

  async verify(bundleText: string, _context: OperationContext): Promise<VerifyResult> {
    // The XML parser loads on first use: only auditors verify bundles, and it costs every start.
    const { parseBundle } = await import("../../audit/bundle-parse");
    return verifyBundle(parseBundle(bundleText), this.log.publicKey);
  }

  hash(value: string): Promise<string> {
    return this.log.hashPersonal(value);
  }
}

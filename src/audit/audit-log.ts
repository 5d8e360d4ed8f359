/**
 * The audit log as the rest of Signet sees it: `record(context, event)` appends one record and
 * resolves once it is on disk; checkpoints are signed in the HSM every N records, every T
 * seconds, at export time and at stop.
 *
 * Personal data never enters a record in clear: the client address and every value given as
 * `personal` are replaced by "hmac-sha256:<hex>", an HMAC-SHA256 under a secret key on the
 * token (so an auditor can still tell that two records came from the same address, and
 * `hashPersonal` lets one look an address up, but the log itself discloses nothing). The
 * hashes of recent values are kept in memory: addresses repeat, and the signing path must not
 * wait for the token twice.
 *
 * At start the stored log is checked against its latest signed checkpoint. A log whose tree
 * does not extend that checkpoint has been rewritten: the problem is logged and recorded, and
 * no further checkpoint is signed (C2SP tlog-checkpoint: a log must never sign a checkpoint
 * inconsistent with one it signed before).
 */
import { SignetError } from "../errors";
import type { Signer } from "../signer/signer";
import type { AuditRepository } from "../store/audit";
import { storedNodes, type TreeHead } from "./appender";
import { ensureAuditKeys, type AuditKeys } from "./hsm-keys";
import { equalHashes, rootHash, sha256 } from "./merkle";
import { checkpointBody, openCheckpoint, signedNote, verifierKey, type Checkpoint } from "./note";
import { pendingRecord, type AuditContext, type AuditEvent, type DetailValue } from "./record";
import type { CommitStatsSnapshot } from "./commit-stats";
import { AuditWriter } from "./writer";

export interface AuditSettings {
  /** Sign a checkpoint once this many records were added since the last. */
  checkpointEvery: number;
  /** ... and at least this often while records are added. */
  checkpointSeconds: number;
  /** Origin line and key name of the checkpoints; derived from the audit key when null. */
  origin: string | null;
  /** Record every signature and verification (turned off only to measure what it costs). */
  operations: boolean;
  /** How long a record may wait for its commit, or for a writer thread, before it fails, and every later one until the log is written again (writer.ts). */
  commitTimeoutMs: number;
}

export interface AuditLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface SignedCheckpoint extends Checkpoint {
  note: string;
}

/** What the domain needs to record: one obvious call. */
export interface AuditRecorder {
  readonly recordsOperations: boolean;
  record(context: AuditContext, event: AuditEvent): Promise<void>;
}

const HASH_CACHE_MAX = 10_000;

export class AuditLog implements AuditRecorder {
  readonly origin: string;
  readonly recordsOperations: boolean;
  private readonly hashes = new Map<string, string>();
  private latest: SignedCheckpoint | null = null;
  private signing: Promise<unknown> = Promise.resolve();
  private checkpointDue = false;
  private halted: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private writer!: AuditWriter;

  private constructor(
    private readonly keys: AuditKeys,
    private readonly repo: AuditRepository,
    private readonly signer: Signer,
    private readonly settings: AuditSettings,
    private readonly logger: AuditLogger,
  ) {
    this.origin = settings.origin ?? `signet-audit/${Buffer.from(sha256(keys.publicKey)).toString("hex").slice(0, 16)}`;
    this.recordsOperations = settings.operations;
  }

  static async open(options: { dataDir: string; repo: AuditRepository; signer: Signer; settings: AuditSettings; logger: AuditLogger }): Promise<AuditLog> {
    // The writer thread starts (and opens its connection) while the HSM keys are looked up.
    // No record is appended before both are done, so no head reaches `log` before it exists.
    let opened: AuditLog | null = null;
    const [keys, writer] = await Promise.allSettled([
      ensureAuditKeys(options.signer),
      AuditWriter.start(options.dataDir, { commitTimeoutMs: options.settings.commitTimeoutMs }, (head) => opened?.grew(head), (message) => options.logger.error(message)),
    ]);
    if (keys.status === "rejected" || writer.status === "rejected") {
      if (writer.status === "fulfilled") await writer.value.close();
      throw keys.status === "rejected" ? keys.reason : (writer as PromiseRejectedResult).reason;
    }
    if (keys.value.created.length > 0) options.logger.info("created the audit keys on the token", { labels: keys.value.created });
    const log = new AuditLog(keys.value, options.repo, options.signer, options.settings, options.logger);
    log.writer = writer.value;
    opened = log;
    const problems = log.checkStoredLog();
    for (const problem of problems) {
      options.logger.error("audit log integrity", { problem });
      await log.record({ actor: "system", requestId: "startup", clientAddress: null }, {
        action: "audit.integrity", objectType: "auditLog", objectId: log.origin, outcome: "failure", details: { problem },
      });
    }
    log.timer = setInterval(() => {
      if (log.writer.current().size > (log.latest?.treeSize ?? 0)) void log.checkpoint().catch(() => undefined);
    }, options.settings.checkpointSeconds * 1000);
    (log.timer as { unref?: () => void }).unref?.();
    return log;
  }

  /** The Ed25519 public key (raw 32 bytes) that signs the checkpoints. */
  get publicKey(): Uint8Array {
    return this.keys.publicKey;
  }

  get verifierKey(): string {
    return verifierKey(this.origin, this.keys.publicKey);
  }

  head(): TreeHead {
    return this.writer.current();
  }

  latestCheckpoint(): SignedCheckpoint | null {
    return this.latest;
  }

  /** Whether records fail at once now (a commit outlived the commit timeout, or no writer thread can open the log). */
  writerUnavailable(): boolean {
    return this.writer.unavailable();
  }

  /** Fault injection for the writer thread (writer.ts): a commit that stalls, a thread that dies for good, recovery. */
  injectWriterFault(fault: "stall" | "crash" | "recover"): void {
    this.writer.injectFault(fault);
  }

  /** How long the writer's commits have taken since start (commit-stats.ts). */
  commitStats(): CommitStatsSnapshot {
    return this.writer.commitStats();
  }

  async record(context: AuditContext, event: AuditEvent): Promise<void> {
    const address = context.clientAddress;
    const cached = address === null ? null : this.hashes.get(address);
    if (cached === undefined || event.personal) return this.recordHashing(context, event);
    return this.writer.append(pendingRecord(context, event, cached, event.details ?? {}));
  }

  /** "hmac-sha256:<hex>" of a value: how personal data appears in records. */
  async hashPersonal(value: string): Promise<string> {
    const cached = this.hashes.get(value);
    if (cached) return cached;
    const mac = await this.signer.hmac(this.keys.hmacKey, "HMACSHA256", new TextEncoder().encode(value));
    const hashed = `hmac-sha256:${Buffer.from(mac).toString("hex")}`;
    if (this.hashes.size >= HASH_CACHE_MAX) this.hashes.clear();
    this.hashes.set(value, hashed);
    return hashed;
  }

  /** Signs a checkpoint of the tree as it is now (in the HSM) and stores it. */
  checkpoint(): Promise<SignedCheckpoint> {
    const run = this.signing.then(async () => {
      if (this.halted) throw new SignetError("auditUnavailable", `checkpoints are halted: ${this.halted}`);
      const head = this.writer.current();
      const checkpoint: Checkpoint = { origin: this.origin, treeSize: head.size, rootHash: head.rootHash, time: new Date().toISOString() };
      const body = checkpointBody(checkpoint);
      const signature = await this.signer.sign(this.keys.signingKey, "EDDSA", new TextEncoder().encode(body), false);
      const signed: SignedCheckpoint = { ...checkpoint, note: signedNote(body, this.origin, this.keys.publicKey, signature) };
      this.writer.storeCheckpoint({
        treeSize: signed.treeSize, rootHash: Buffer.from(signed.rootHash).toString("base64"), time: signed.time, note: signed.note,
      });
      this.latest = signed;
      return signed;
    });
    this.signing = run.catch(() => undefined);
    return run;
  }

  /** Records the stop, signs a last checkpoint and stops the writer. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.halted && this.writer.current().size > (this.latest?.treeSize ?? 0)) await this.checkpoint().catch(() => undefined);
    await this.signing;
    await this.writer.close();
  }

  private async recordHashing(context: AuditContext, event: AuditEvent): Promise<void> {
    const address = context.clientAddress === null ? null : await this.hashPersonal(context.clientAddress);
    const details: Record<string, DetailValue> = { ...(event.details ?? {}) };
    for (const [name, value] of Object.entries(event.personal ?? {})) details[name] = await this.hashPersonal(value);
    return this.writer.append(pendingRecord(context, event, address, details));
  }

  private grew(head: TreeHead): void {
    if (this.checkpointDue || this.halted) return;
    if (head.size - (this.latest?.treeSize ?? 0) < this.settings.checkpointEvery) return;
    this.checkpointDue = true;
    void this.checkpoint()
      .catch(() => undefined)
      .finally(() => (this.checkpointDue = false));
  }

  /**
   * Compares the stored log with its latest signed checkpoint and with itself: the tree must
   * extend the checkpoint, and the records must end where the tree ends.
   */
  private checkStoredLog(): string[] {
    const problems: string[] = [];
    const head = this.writer.current();
    const lastSeq = this.repo.lastSeq();
    if (lastSeq !== head.size) problems.push(`the records end at seq ${lastSeq} but the tree has ${head.size} leaves`);
    const stored = this.repo.latestCheckpoint();
    if (!stored) return problems;
    const checkpoint = openCheckpoint(stored.note, this.origin, this.keys.publicKey);
    if (!checkpoint) {
      problems.push(`the latest stored checkpoint (size ${stored.treeSize}) does not verify with the audit key`);
    } else if (checkpoint.treeSize > head.size) {
      this.halted = `the tree has ${head.size} leaves, fewer than the ${checkpoint.treeSize} of its last signed checkpoint`;
      problems.push(this.halted);
    } else if (!equalHashes(rootHash(storedNodes(this.repo), checkpoint.treeSize), checkpoint.rootHash)) {
      this.halted = `the tree at size ${checkpoint.treeSize} does not match its signed checkpoint`;
      problems.push(this.halted);
    } else {
      this.latest = { ...checkpoint, note: stored.note };
    }
    return problems;
  }
}

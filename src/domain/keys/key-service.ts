/**
 * Keys: creating, describing, listing and deleting them, and resolving a label to what the
 * signer needs on the hot path.
 *
 * The token decides what keys exist; the store keeps what the token cannot (versions and
 * their CKA_IDs, creation time, policy). At start-up the two are reconciled: keys found on
 * the token but not in the store are adopted (this is how an existing HSM token's keys
 * become usable), and store entries whose objects have gone from the token are dropped.
 */
import { randomBytes } from "node:crypto";
import type { AuditRecorder } from "../../audit/audit-log";
import type { AuditEvent } from "../../audit/record";
import { SignetError } from "../../errors";
import { curveByName } from "../../signer/curves";
import type { Signer } from "../../signer/signer";
import { keyHandleId, type CurveName, type KeyType, type TokenKeyFlags, type TokenKeyInfo } from "../../signer/types";
import type { KeyRepository, StoredKey } from "../../store/keys";
import type { KeyRow, KeyVersionRow } from "../../store/schema";
import { requireKey } from "../access/key-grant";
import { errorDetails, outcomeOf } from "../audit/outcome";
import { SYSTEM_CONTEXT, type OperationContext } from "../context";
import { checkLookupLabel, isInternalLabel, planKey, type CreateKeyInput } from "./key-spec";

const ALGORITHM_OID: Record<KeyType, string> = {
  RSA: "1.2.840.113549.1.1.1",
  EC: "1.2.840.10045.2.1",
  ED: "1.3.101.112",
};

export interface KeyVersionView {
  version: number;
  keyVersion: string;
  createTime: string;
  publicKey: string | null;
}

export interface KeyView {
  label: string;
  algorithm: KeyType;
  algorithmOid: string;
  curveOid: string | null;
  keySize: number | null;
  createTime: string;
  publicKey: string | null;
  attributes: TokenKeyFlags;
  policy: unknown;
  keyVersion: string;
  versions: KeyVersionView[];
}

/** What the signing path needs to know about a key, kept in memory. */
export interface ResolvedKey {
  label: string;
  handleId: string;
  type: KeyType;
  /** EC and ED keys: the curve; RSA keys: null. */
  curve: CurveName | null;
  /** RSA modulus bits, or the curve's size. */
  bits: number;
  flags: TokenKeyFlags;
  keyVersion: string;
}

export function versionTag(version: number): string {
  return `v${version}`;
}

function isoSeconds(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function base64(bytes: Uint8Array | null): string | null {
  return bytes ? Buffer.from(bytes).toString("base64") : null;
}

export class KeyService {
  private readonly resolved = new Map<string, ResolvedKey>();
  private readonly loading = new Map<string, Promise<ResolvedKey>>();
  private readonly creating = new Set<string>();

  constructor(
    private readonly signer: Signer,
    private readonly repo: KeyRepository,
    private readonly audit: AuditRecorder,
  ) {}

  /** Adopts token keys the store does not know, and forgets stored keys the token lost. */
  async reconcile(): Promise<{ adopted: string[]; dropped: string[] }> {
    const onToken = (await this.signer.listKeys()).filter((info) => !isInternalLabel(info.ref.label));
    const byLabel = Map.groupBy(onToken, (info) => info.ref.label);
    const adopted: string[] = [];
    for (const [label, infos] of byLabel) {
      if (infos.length !== 1 || this.repo.get(label)) continue;
      await this.adopt(infos[0]!);
      adopted.push(label);
    }
    const dropped: string[] = [];
    for (const label of this.repo.labels()) {
      const stored = this.repo.get(label)!;
      const current = stored.versions.find((v) => v.version === stored.key.currentVersion);
      const present = (byLabel.get(label) ?? []).some((info) => info.ref.id === current?.tokenId);
      if (!present) {
        this.repo.delete(label);
        dropped.push(label);
        await this.audit.record(SYSTEM_CONTEXT, {
          action: "key.drop", objectType: "key", objectId: label, outcome: "success", details: { reason: "gone from the token" },
        });
      }
    }
    return { adopted, dropped };
  }

  async create(input: CreateKeyInput, context: OperationContext): Promise<KeyView> {
    requireKey(context, input.label);
    const event: AuditEvent = {
      action: "key.create", objectType: "key", objectId: input.label || null, outcome: "success",
      details: { algorithm: String(input.algorithm), keySize: input.keySize ?? null, curveOid: input.curveOid ?? null },
    };
    let view: KeyView;
    try {
      view = await this.createKey(input);
    } catch (error) {
      await this.recordFailure(context, event, error);
      throw error;
    }
    await this.audit.record(context, { ...event, details: { ...event.details, keyVersion: view.keyVersion, attributes: { ...view.attributes } } });
    return view;
  }

  private async createKey(input: CreateKeyInput): Promise<KeyView> {
    const plan = planKey(input);
    if (this.creating.has(plan.label)) throw this.duplicate(plan.label);
    this.creating.add(plan.label);
    try {
      if (this.repo.get(plan.label) || (await this.tokenKeysLabelled(plan.label)).length > 0) throw this.duplicate(plan.label);
      const ref = { label: plan.label, id: randomBytes(8).toString("hex") };
      const info = await this.signer.generateKeyPair(ref, plan.spec, plan.flags);
      const createdAt = isoSeconds();
      try {
        this.repo.insert(this.keyRow(info, createdAt, "generated", plan.policy), [this.versionRow(info, 1, createdAt)]);
      } catch (error) {
        await this.signer.destroyKey(ref);
        throw error;
      }
      const stored = this.repo.get(plan.label)!;
      this.remember(stored, info);
      return this.view(stored, info);
    } finally {
      this.creating.delete(plan.label);
    }
  }

  /** Labels of every key on the token the caller may use (Signet's own keys never among them). */
  async list(context: OperationContext): Promise<string[]> {
    const labels = new Set(this.repo.labels());
    for (const info of await this.signer.listKeys()) if (!isInternalLabel(info.ref.label)) labels.add(info.ref.label);
    const grant = context.keys;
    return [...labels].filter((label) => !grant || grant.permits(label)).sort();
  }

  async describe(label: string, context: OperationContext): Promise<KeyView> {
    requireKey(context, label);
    const stored = await this.stored(label);
    const info = await this.currentInfo(stored);
    this.remember(stored, info);
    return this.view(stored, info);
  }

  async delete(label: string, context: OperationContext): Promise<void> {
    requireKey(context, label);
    const event: AuditEvent = { action: "key.delete", objectType: "key", objectId: label, outcome: "success" };
    try {
      await this.deleteKey(label);
    } catch (error) {
      await this.recordFailure(context, event, error);
      throw error;
    }
    await this.audit.record(context, event);
  }

  private async deleteKey(label: string): Promise<void> {
    const stored = await this.stored(label);
    const info = await this.currentInfo(stored);
    if (!info.flags.destroyable) {
      throw new SignetError("operationForbiddenForKey", `key "${label}" is not destroyable`);
    }
    this.resolved.delete(label);
    for (const version of [...stored.versions].reverse()) {
      try {
        await this.signer.destroyKey({ label, id: version.tokenId });
      } catch (error) {
        if (!(error instanceof SignetError && error.kind === "keyNotFound")) throw error;
      }
    }
    this.repo.delete(label);
  }

  /** The in-memory entry for a label, if it is loaded. The signing path tries this first. */
  cached(label: string): ResolvedKey | undefined {
    return this.resolved.get(label);
  }

  /** Loads a key for use (once, however many requests ask at the same moment). */
  resolve(label: string): Promise<ResolvedKey> {
    const hit = this.resolved.get(label);
    if (hit) return Promise.resolve(hit);
    let pending = this.loading.get(label);
    if (!pending) {
      pending = (async () => {
        const stored = await this.stored(label);
        const info = await this.currentInfo(stored);
        return this.remember(stored, info);
      })().finally(() => this.loading.delete(label));
      this.loading.set(label, pending);
    }
    return pending;
  }

  private duplicate(label: string): SignetError {
    return new SignetError("keyAlreadyExists", `a key labelled "${label}" already exists`);
  }

  /** The stored key, adopting it from the token when another process created it there. */
  private async stored(label: string): Promise<StoredKey> {
    checkLookupLabel(label);
    if (isInternalLabel(label)) throw this.notFound(label);
    const stored = this.repo.get(label);
    if (stored) return stored;
    const onToken = await this.tokenKeysLabelled(label);
    if (onToken.length !== 1) throw this.notFound(label);
    await this.adopt(onToken[0]!);
    return this.repo.get(label)!;
  }

  /** Records a refused or failed change; the caller's error stands even if that fails. */
  private async recordFailure(context: OperationContext, event: AuditEvent, error: unknown): Promise<void> {
    await this.audit
      .record(context, { ...event, outcome: outcomeOf(error), details: { ...event.details, ...errorDetails(error) } })
      .catch(() => undefined);
  }

  private async currentInfo(stored: StoredKey): Promise<TokenKeyInfo> {
    const current = stored.versions.find((v) => v.version === stored.key.currentVersion);
    if (!current) throw this.notFound(stored.key.label);
    try {
      return await this.signer.describeKey({ label: stored.key.label, id: current.tokenId });
    } catch (error) {
      if (error instanceof SignetError && error.kind === "keyNotFound") {
        this.resolved.delete(stored.key.label);
        throw this.notFound(stored.key.label);
      }
      throw error;
    }
  }

  private async tokenKeysLabelled(label: string): Promise<TokenKeyInfo[]> {
    return (await this.signer.listKeys()).filter((info) => info.ref.label === label);
  }

  private notFound(label: string): SignetError {
    return new SignetError("keyNotFound", `no key labelled "${label}"`);
  }

  /** Takes a key found on the token into the store (keys made outside Signet, or by another instance). */
  private async adopt(info: TokenKeyInfo): Promise<void> {
    const createdAt = isoSeconds();
    this.repo.insert(this.keyRow(info, createdAt, "adopted", null), [this.versionRow(info, 1, createdAt)]);
    await this.audit.record(SYSTEM_CONTEXT, {
      action: "key.adopt", objectType: "key", objectId: info.ref.label, outcome: "success",
      details: { algorithm: info.type, bits: info.bits, curve: info.curve, tokenId: info.ref.id },
    });
  }

  private keyRow(info: TokenKeyInfo, createdAt: string, origin: KeyRow["origin"], policy: unknown): KeyRow {
    return {
      label: info.ref.label,
      algorithm: info.type,
      keySize: info.type === "RSA" ? info.bits : null,
      curveOid: info.curve ? curveByName(info.curve).oid : null,
      policy: policy === null || policy === undefined ? null : JSON.stringify(policy),
      currentVersion: 1,
      origin,
      createdAt,
    };
  }

  private versionRow(info: TokenKeyInfo, version: number, createdAt: string): KeyVersionRow {
    return { label: info.ref.label, version, tokenId: info.ref.id, publicKey: base64(info.publicKeySpki), createdAt };
  }

  private remember(stored: StoredKey, info: TokenKeyInfo): ResolvedKey {
    const entry: ResolvedKey = {
      label: stored.key.label,
      handleId: keyHandleId(info.ref),
      curve: info.curve,
      bits: info.bits,
      type: info.type,
      flags: info.flags,
      keyVersion: versionTag(stored.key.currentVersion),
    };
    this.resolved.set(stored.key.label, entry);
    return entry;
  }

  private view(stored: StoredKey, info: TokenKeyInfo): KeyView {
    const { key } = stored;
    return {
      label: key.label,
      algorithm: info.type,
      algorithmOid: ALGORITHM_OID[info.type],
      curveOid: info.curve ? curveByName(info.curve).oid : null,
      keySize: info.type === "RSA" ? info.bits : info.bits || null,
      createTime: key.createdAt,
      publicKey: base64(info.publicKeySpki),
      attributes: info.flags,
      policy: key.policy ? JSON.parse(key.policy) : null,
      keyVersion: versionTag(key.currentVersion),
      versions: stored.versions.map((v) => ({
        version: v.version,
        keyVersion: versionTag(v.version),
        createTime: v.createdAt,
        publicKey: v.publicKey,
      })),
    };
  }
}

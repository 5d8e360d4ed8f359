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
import { isSignetError, SignetError } from "../../errors";
import { requireKeyGeneration } from "../../signer/capabilities";
import type { Signer } from "../../signer/signer";
import type { KeyObjectRef, TokenKeyInfo } from "../../signer/types";
import type { KeyRepository, StoredKey } from "../../store/keys";
import { requireKey } from "../access/key-grant";
import { recorded } from "../audit/recorded";
import { SYSTEM_CONTEXT, type OperationContext } from "../context";
import {
  checkLookupLabel,
  checkNewLabel,
  isInternalLabel,
  isSecretKeySpec,
  planKey,
  specOf,
  usageOf,
  type CreateKeyInput,
} from "./key-spec";
import { hashPassword, isNoPassword, KeyPasswords } from "./key-passwords";
import { isoSeconds, keyRow, keyView, resolvedKey, versionRow, type KeyOrigin, type KeyView, type ResolvedKey } from "./key-views";

export { versionTag } from "./key-views";
export type { KeyOrigin, KeyVersionView, KeyView, ResolvedKey } from "./key-views";

export class KeyService {
  private readonly resolved = new Map<string, ResolvedKey>();
  private readonly loading = new Map<string, Promise<ResolvedKey>>();
  private readonly creating = new Set<string>();
  private readonly rotations = new Map<string, Promise<unknown>>();
  /** The password check every service makes when a request names a key. */
  readonly passwords: KeyPasswords;

  constructor(
    private readonly signer: Signer,
    private readonly repo: KeyRepository,
    private readonly audit: AuditRecorder,
  ) {
    this.passwords = new KeyPasswords(audit);
  }

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
      details: {
        algorithm: String(input.algorithm),
        keySize: input.keySize ?? null,
        curveOid: input.curveOid ?? null,
        passwordProtected: !isNoPassword(input.password),
      },
    };
    return recorded(this.audit, context, event, () => this.createKey(input), (view) => ({
      keyVersion: view.keyVersion,
      attributes: { ...view.attributes },
    }));
  }

  private async createKey(input: CreateKeyInput): Promise<KeyView> {
    const plan = planKey(input);
    const spec = plan.spec;
    requireKeyGeneration(spec, new Set(this.signer.token.mechanisms));
    const passwordHash = isNoPassword(input.password) ? null : await hashPassword(input.password);
    return this.land(
      plan.label,
      "generated",
      plan.policy,
      (ref) => (isSecretKeySpec(spec) ? this.signer.generateSecretKey(ref, spec, plan.flags) : this.signer.generateKeyPair(ref, spec, plan.flags)),
      { passwordHash },
    );
  }

  /**
   * Puts a new key on the token under a label not in use (generated, imported or unwrapped by
   * `make`, which receives the label and a fresh CKA_ID) and records it. A key that `accept`
   * refuses, or that cannot be recorded, is destroyed again: a refused request leaves nothing.
   */
  async land(
    label: string,
    origin: KeyOrigin,
    policy: unknown,
    make: (ref: KeyObjectRef) => Promise<TokenKeyInfo>,
    options: { accept?: (info: TokenKeyInfo) => void; keySize?: number | null; passwordHash?: string | null } = {},
  ): Promise<KeyView> {
    checkNewLabel(label);
    if (this.creating.has(label)) throw this.duplicate(label);
    this.creating.add(label);
    try {
      if (this.repo.get(label) || (await this.tokenKeysLabelled(label)).length > 0) throw this.duplicate(label);
      const ref = { label, id: randomBytes(8).toString("hex") };
      const info = await make(ref);
      const createdAt = isoSeconds();
      try {
        options.accept?.(info);
        const row = keyRow(info, createdAt, origin, policy);
        if (!row.keySize && options.keySize) row.keySize = options.keySize;
        row.passwordHash = options.passwordHash ?? null;
        this.repo.insert(row, [versionRow(info, 1, createdAt)]);
      } catch (error) {
        await this.signer.destroyKey(ref);
        throw error;
      }
      const stored = this.repo.get(label)!;
      this.remember(stored, info);
      return this.view(stored, info);
    } finally {
      this.creating.delete(label);
    }
  }

  /**
   * Makes a new version of a key in the token: same type, size or curve and attributes, the same
   * label, a new CKA_ID. It becomes the current version (signing and encryption use it from now
   * on); older versions stay for verification and decryption down to the minimum version.
   */
  async rotate(label: string, context: OperationContext, password?: string | null): Promise<KeyView> {
    requireKey(context, label);
    const event: AuditEvent = { action: "key.rotate", objectType: "key", objectId: label, outcome: "success" };
    return recorded(this.audit, context, event, async () => {
      await this.passwords.check((await this.stored(label)).key, password, context, "key.rotate");
      return this.rotateSerially(label);
    }, (view) => ({ keyVersion: view.keyVersion }));
  }

  private rotateSerially(label: string): Promise<KeyView> {
    const previous = this.rotations.get(label) ?? Promise.resolve();
    const run = previous.then(() => this.rotateNow(label));
    this.rotations.set(label, run.catch(() => undefined));
    return run;
  }

  private async rotateNow(label: string): Promise<KeyView> {
    const stored = await this.stored(label);
    if (stored.key.blocked) throw new SignetError("keyBlocked", `key "${label}" is blocked; unblock it to rotate it`);
    const current = await this.currentInfo(stored);
    const flags = usageOf(current.flags);
    const ref = { label, id: randomBytes(8).toString("hex") };
    const spec = specOf(current, stored.key.keySize);
    const made = isSecretKeySpec(spec) ? await this.signer.generateSecretKey(ref, spec, flags) : await this.signer.generateKeyPair(ref, spec, flags);
    const version = Math.max(...stored.versions.map((v) => v.version)) + 1;
    try {
      this.repo.addVersion(versionRow(made, version, isoSeconds()));
    } catch (error) {
      await this.signer.destroyKey(ref);
      throw error;
    }
    this.resolved.delete(label);
    const updated = this.repo.get(label)!;
    this.remember(updated, made);
    return this.view(updated, made);
  }

  /** Labels of every key on the token the caller may use (Signet's own keys never among them). */
  async list(context: OperationContext): Promise<string[]> {
    const labels = new Set(this.repo.labels());
    for (const info of await this.signer.listKeys()) if (!isInternalLabel(info.ref.label)) labels.add(info.ref.label);
    const grant = context.keys;
    return [...labels].filter((label) => !grant || grant.permits(label)).sort();
  }

  /** How many of these keys are of each algorithm (from the store; keys not yet adopted are not counted). */
  algorithmCounts(labels: readonly string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const label of labels) {
      const algorithm = this.repo.get(label)?.key.algorithm;
      if (algorithm) counts[algorithm] = (counts[algorithm] ?? 0) + 1;
    }
    return counts;
  }

  /** The key's view, for Signet's own use: no password is asked (routes go through KeyAttestation.attest). */
  async describe(label: string, context: OperationContext): Promise<KeyView> {
    requireKey(context, label);
    const stored = await this.stored(label);
    const info = await this.currentInfo(stored);
    this.remember(stored, info);
    return this.view(stored, info);
  }

  /**
   * Deletes a key (every version). A key with a password is deleted only with it (POST
   * /v1/key/deleteKey carries it; DELETE /v1/key/{label} has none to give).
   */
  async delete(label: string, context: OperationContext, password?: string | null): Promise<void> {
    requireKey(context, label);
    const event: AuditEvent = { action: "key.delete", objectType: "key", objectId: label, outcome: "success" };
    await recorded(this.audit, context, event, () => this.deleteKey(label, context, password));
  }

  private async deleteKey(label: string, context: OperationContext, password: string | null | undefined): Promise<void> {
    const stored = await this.stored(label);
    await this.passwords.check(stored.key, password, context, "key.delete");
    const info = await this.currentInfo(stored);
    if (!info.flags.destroyable) {
      throw new SignetError("operationForbiddenForKey", `key "${label}" is not destroyable`);
    }
    this.resolved.delete(label);
    for (const version of [...stored.versions].reverse()) {
      try {
        await this.signer.destroyKey({ label, id: version.tokenId });
      } catch (error) {
        if (!isSignetError(error, "keyNotFound")) throw error;
      }
    }
    this.repo.delete(label);
    this.passwords.forget(label);
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

  /** Forgets what is cached about a key (after a change to it); the next use reloads it. */
  forget(label: string): void {
    this.resolved.delete(label);
  }

  /** The stored key, adopting it from the token when another process created it there. */
  async stored(label: string): Promise<StoredKey> {
    checkLookupLabel(label);
    if (isInternalLabel(label)) throw this.notFound(label);
    const stored = this.repo.get(label);
    if (stored) return stored;
    const onToken = await this.tokenKeysLabelled(label);
    if (onToken.length !== 1) throw this.notFound(label);
    await this.adopt(onToken[0]!);
    return this.repo.get(label)!;
  }

  /** What the token says about the current version of a stored key. */
  async currentInfo(stored: StoredKey): Promise<TokenKeyInfo> {
    const current = stored.versions.find((v) => v.version === stored.key.currentVersion);
    if (!current) throw this.notFound(stored.key.label);
    try {
      return await this.signer.describeKey({ label: stored.key.label, id: current.tokenId });
    } catch (error) {
      if (isSignetError(error, "keyNotFound")) {
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
    this.repo.insert(keyRow(info, createdAt, "adopted", null), [versionRow(info, 1, createdAt)]);
    await this.audit.record(SYSTEM_CONTEXT, {
      action: "key.adopt", objectType: "key", objectId: info.ref.label, outcome: "success",
      details: { algorithm: info.type, bits: info.bits, curve: info.curve, tokenId: info.ref.id },
    });
  }

  private remember(stored: StoredKey, info: TokenKeyInfo): ResolvedKey {
    const entry = resolvedKey(stored, info);
    this.resolved.set(stored.key.label, entry);
    return entry;
  }

  private view(stored: StoredKey, info: TokenKeyInfo): KeyView {
    return keyView(stored, info);
  }
}

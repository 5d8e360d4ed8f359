/**
 * What changes on a key after it is made, other than its material: blocking and unblocking
 * (TSB synchronousBlock / synchronousUnblock), modifying its policy and tightening its
 * attributes (synchronousModify), the minimum version below which it is refused, and its
 * password (TSB changePassword). Each asks for the key's password first (key-passwords.ts).
 *
 * The block state and the minimum version live in the database (they survive restarts, and a
 * token need not let attributes change to honour them); every use of a key checks them first
 * (key-use.ts). Attribute changes happen on the token, for every version of the key, and only
 * ever tighten, as the TSB allows: a usage may be switched off, a key made sensitive or not
 * extractable; never the reverse. CKA_MODIFIABLE, CKA_COPYABLE and CKA_DESTROYABLE are fixed
 * when a key is made (SoftHSM refuses to change them).
 */
import { isSignetError, SignetError } from "../../errors";
import type { Signer } from "../../signer/signer";
import type { KeyUsageFlags } from "../../signer/types";
import type { KeyRepository } from "../../store/keys";
import type { AuditRecorder } from "../../audit/audit-log";
import { requireKey } from "../access/key-grant";
import { keyEvent, recorded } from "../audit/recorded";
import type { OperationContext } from "../context";
import type { KeyService, KeyView } from "./key-service";
import { parseKeyVersion } from "./key-use";
import { hashPassword, isNoPassword } from "./key-passwords";

export interface ModifyInput {
  label: string;
  /** The new TSB policy (replaces the stored one); undefined leaves it. */
  policy?: unknown;
  /** Attributes to tighten (Signet extension). */
  attributes?: Record<string, boolean | null | undefined> | null;
  /** The key's password (TSB keyPassword). */
  password?: string | null;
}

/** Each usage attribute and the value it may be changed to. */
const TIGHTER: Partial<Record<keyof KeyUsageFlags, boolean>> = {
  sign: false,
  decrypt: false,
  unwrap: false,
  derive: false,
  extractable: false,
  sensitive: true,
};
const IMPLIED = new Set(["verify", "encrypt", "wrap"]);

export class KeyLifecycleService {
  private readonly changing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly keys: KeyService,
    private readonly repo: KeyRepository,
    private readonly signer: Signer,
    private readonly audit: AuditRecorder,
  ) {}

  block(label: string, context: OperationContext, password?: string | null): Promise<KeyView> {
    requireKey(context, label);
    return recorded(this.audit, context, keyEvent("key.block", label), () => this.setBlocked(label, true, context, password));
  }

  unblock(label: string, context: OperationContext, password?: string | null): Promise<KeyView> {
    requireKey(context, label);
    return recorded(this.audit, context, keyEvent("key.unblock", label), () => this.setBlocked(label, false, context, password));
  }

  /**
   * Changes (or sets, or removes) a key's password: the current one must be given, and the key
   * must be modifiable, as on the TSB. An empty new password removes it. Recorded as
   * key.password.change (never with a password in it).
   */
  changePassword(label: string, password: string | null | undefined, newPassword: string | null | undefined, context: OperationContext): Promise<KeyView> {
    requireKey(context, label);
    const event = keyEvent("key.password.change", label, { passwordRemoved: isNoPassword(newPassword) });
    return recorded(this.audit, context, event, () =>
      this.serialised(label, async () => {
        const stored = await this.keys.stored(label);
        await this.keys.passwords.check(stored.key, password, context, "key.password.change");
        const info = await this.keys.currentInfo(stored);
        if (!info.flags.modifiable) throw new SignetError("operationForbiddenForKey", `key "${label}" is not modifiable: its password cannot change`);
        const passwordHash = isNoPassword(newPassword) ? null : await hashPassword(newPassword);
        this.repo.setPasswordHash(label, passwordHash);
        // Whatever was remembered about the old password is gone; the next use reloads the key.
        this.keys.passwords.forget(label);
        this.keys.forget(label);
        return this.keys.describe(label, context);
      }),
    );
  }

  modify(input: ModifyInput, context: OperationContext): Promise<KeyView> {
    requireKey(context, input.label);
    const asked = Object.entries(input.attributes ?? {}).filter(([, value]) => typeof value === "boolean");
    const event = keyEvent("key.modify", input.label, {
      attributes: Object.fromEntries(asked) as Record<string, boolean>,
      policyChanged: input.policy !== undefined,
    });
    return recorded(this.audit, context, event, () => this.modifyNow(input, context));
  }

  private modifyNow(input: ModifyInput, context: OperationContext): Promise<KeyView> {
    return this.serialised(input.label, async () => {
      const changes = this.changes(input.attributes);
      if (input.policy === undefined && Object.keys(changes).length === 0) {
        throw new SignetError("inputValidation", "modifyRequest changes nothing: give a policy or attributes");
      }
      const stored = await this.keys.stored(input.label);
      await this.keys.passwords.check(stored.key, input.password, context, "key.modify");
      const info = await this.keys.currentInfo(stored);
      if (!info.flags.modifiable) throw new SignetError("operationForbiddenForKey", `key "${input.label}" is not modifiable`);
      for (const [name, value] of Object.entries(changes) as [keyof KeyUsageFlags, boolean][]) {
        if (info.flags[name] !== value && TIGHTER[name] !== value) {
          throw new SignetError("keyAttributesInvalid", `attribute ${name} can only be changed to ${TIGHTER[name]}; attributes only tighten`);
        }
      }
      if (Object.keys(changes).length > 0) {
        // The current version last: while it is still modifiable a refusal can be retried.
        for (const version of [...stored.versions].reverse()) {
          if (version.version === stored.key.currentVersion) continue;
          try {
            await this.signer.setKeyAttributes({ label: input.label, id: version.tokenId }, changes);
          } catch (error) {
            // An older version the token does not let change keeps its attributes.
            if (!isSignetError(error, "operationForbiddenForKey", "keyNotFound")) throw error;
          }
        }
        const current = stored.versions.find((v) => v.version === stored.key.currentVersion)!;
        await this.signer.setKeyAttributes({ label: input.label, id: current.tokenId }, changes);
      }
      if (input.policy !== undefined) this.repo.setPolicy(input.label, input.policy === null ? null : JSON.stringify(input.policy));
      this.keys.forget(input.label);
      return this.keys.describe(input.label, context);
    });
  }

  /** Versions below `minimumVersion` are refused from now on; it is at most the current version. */
  setMinimumVersion(label: string, minimumVersion: string, context: OperationContext, password?: string | null): Promise<KeyView> {
    requireKey(context, label);
    const event = keyEvent("key.minimumVersion", label, { minimumVersion });
    return recorded(this.audit, context, event, () => this.setMinimumVersionNow(label, minimumVersion, context, password));
  }

  private setMinimumVersionNow(label: string, minimumVersion: string, context: OperationContext, password: string | null | undefined): Promise<KeyView> {
    return this.serialised(label, async () => {
      const version = parseKeyVersion(minimumVersion);
      const stored = await this.keys.stored(label);
      await this.keys.passwords.check(stored.key, password, context, "key.minimumVersion");
      if (version > stored.key.currentVersion) {
        throw new SignetError("numberOutOfRange", `the minimum version of key "${label}" is at most its current version v${stored.key.currentVersion}`);
      }
      this.repo.setMinVersion(label, version);
      this.keys.forget(label);
      return this.keys.describe(label, context);
    });
  }

  private setBlocked(label: string, blocked: boolean, context: OperationContext, password: string | null | undefined): Promise<KeyView> {
    return this.serialised(label, async () => {
      const stored = await this.keys.stored(label);
      await this.keys.passwords.check(stored.key, password, context, blocked ? "key.block" : "key.unblock");
      this.repo.setBlocked(label, blocked);
      this.keys.forget(label);
      return this.keys.describe(label, context);
    });
  }

  private changes(attributes: ModifyInput["attributes"]): Partial<KeyUsageFlags> {
    const changes: Partial<KeyUsageFlags> = {};
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value === null || value === undefined || IMPLIED.has(name)) continue;
      if (!(name in TIGHTER)) throw new SignetError("keyAttributesInvalid", `attribute ${name} cannot be modified (it is fixed when the key is made)`);
      changes[name as keyof KeyUsageFlags] = value;
    }
    return changes;
  }

  /** One change at a time per key. */
  private serialised<T>(label: string, change: () => Promise<T>): Promise<T> {
    const run = (this.changing.get(label) ?? Promise.resolve()).then(change, change);
    const settled = run.catch(() => undefined);
    this.changing.set(label, settled);
    void settled.then(() => {
      if (this.changing.get(label) === settled) this.changing.delete(label);
    });
    return run;
  }
}

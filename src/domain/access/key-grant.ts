/**
 * Which keys a principal may use: an optional allow-list of labels and label prefixes
 * ("payments-*"), and, always, none of Signet's reserved keys (its own token-signing key).
 *
 * The check is made by the domain services where a key is used (signing, verification, the
 * token service, key management), never by the routes, so that every way to a key passes it.
 * It runs before the key is looked up: a caller learns nothing about keys outside its list.
 */
import { SignetError } from "../../errors";
import type { OperationContext } from "../context";

export interface KeyGrant {
  /** True when the principal may use the key with this label. */
  permits(label: string): boolean;
  /** Throws keyNotAllowed (after recording the denial) unless permits(label). */
  require(label: string, context: OperationContext): void;
}

export type KeyDenialListener = (label: string, context: OperationContext) => void;

const PATTERN = /^[^\u0000-\u001f\u007f*]{1,255}\*?$/;

/** Checks and normalises an allow-list as an administrator gives it; null means any key. */
export function normaliseKeyPatterns(patterns: readonly string[] | null | undefined): string[] | null {
  if (patterns === null || patterns === undefined) return null;
  if (patterns.includes("*")) return null;
  for (const pattern of patterns) {
    if (!PATTERN.test(pattern)) {
      throw new SignetError("inputValidation", `"${pattern}" is not a key label or a label prefix ending in * (1 to 255 characters, no control characters)`);
    }
  }
  return [...new Set(patterns)].sort();
}

export class LabelGrant implements KeyGrant {
  private readonly exact: ReadonlySet<string> | null;
  private readonly prefixes: readonly string[];

  constructor(
    patterns: readonly string[] | null,
    private readonly reserved: ReadonlySet<string>,
    private readonly onDenied: KeyDenialListener,
  ) {
    this.exact = patterns ? new Set(patterns.filter((p) => !p.endsWith("*"))) : null;
    this.prefixes = patterns ? patterns.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1)) : [];
  }

  permits(label: string): boolean {
    if (this.reserved.has(label)) return false;
    if (this.exact === null || this.exact.has(label)) return true;
    for (const prefix of this.prefixes) if (label.startsWith(prefix)) return true;
    return false;
  }

  require(label: string, context: OperationContext): void {
    if (this.permits(label)) return;
    this.onDenied(label, context);
    throw new SignetError("keyNotAllowed", `this client may not use the key "${label}"`);
  }
}

/** For domain services: the principal's check, or nothing for system and CLI contexts. */
export function requireKey(context: OperationContext, label: string): void {
  context.keys?.require(label, context);
}

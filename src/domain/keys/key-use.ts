/**
 * The checks every use of a key goes through before the signer is asked, and the choice of the
 * key version: the current one to make something new (sign, encrypt, wrap), the one the
 * request names to check or open something old (verify, decrypt, unwrap).
 */
import { SignetError } from "../../errors";
import type { KeyType } from "../../signer/types";
import { versionTag, type ResolvedKey } from "./key-service";

export interface KeyUse {
  handleId: string;
  keyVersion: string;
}

/** "v3" → 3. The TSB Go client reads keyVersion as a string, so that is the form on the wire. */
export function parseKeyVersion(value: string): number {
  const match = /^v([1-9][0-9]{0,8})$/.exec(value);
  if (!match) throw new SignetError("inputValidation", `keyVersion is "v" and a version number, like "v1"; got "${value}"`);
  return Number(match[1]);
}

/** Every operation on a key passes here first: a blocked key refuses them all. */
export function checkNotBlocked(key: Pick<ResolvedKey, "label" | "blocked">): void {
  if (key.blocked) throw new SignetError("keyBlocked", `key "${key.label}" is blocked; unblock it to use it`);
}

/** The current version, for operations that make something new. */
export function currentVersion(key: ResolvedKey): KeyUse {
  checkNotBlocked(key);
  return { handleId: key.handleId, keyVersion: key.keyVersion };
}

/** The version a request names (the current one when it names none); versions below the minimum are refused. */
export function namedVersion(key: ResolvedKey, keyVersion: string | null | undefined): KeyUse {
  if (keyVersion === null || keyVersion === undefined || keyVersion === key.keyVersion) return currentVersion(key);
  checkNotBlocked(key);
  const version = parseKeyVersion(keyVersion);
  const handleId = key.handles.get(version);
  if (!handleId) throw new SignetError("keyVersionNotFound", `key "${key.label}" has no version ${keyVersion}`);
  if (version < key.minVersion) {
    throw new SignetError("keyVersionRetired", `version ${keyVersion} of key "${key.label}" is below its minimum version ${versionTag(key.minVersion)}`);
  }
  return { handleId, keyVersion: versionTag(version) };
}

export function requireKeyType(key: ResolvedKey, types: readonly KeyType[], what: string): void {
  if (!types.includes(key.type)) {
    throw new SignetError("algorithmNotSupportedByKey", `${what} needs ${types.join(" or ")} key; "${key.label}" is ${key.type}`);
  }
}

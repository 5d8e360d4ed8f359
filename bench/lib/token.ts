/**
 * The token the bench signs on, and its signer: by default a fresh embedded SoftHSM token under
 * the bench's data directory; with SIGNET_PKCS11_MODULE, SIGNET_PKCS11_TOKEN_LABEL and
 * SIGNET_PKCS11_PIN set (as the service reads them, SIGNET_CONFIG included), that external
 * token instead, for every stage: the C program, pkcs11js alone, the pool, the servers started
 * (which inherit the same settings) and the skeleton.
 *
 * An external token is someone's HSM: the bench adds its own keys to it, refuses to start when
 * keys of its labels are already there (an interrupted run leaves them; the message says how to
 * remove them) and destroys the keys it made when it ends.
 */
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { isSignetError } from "../../src/errors";
import { findSoftHsmModule, prepareEmbeddedToken } from "../../src/signer/embedded/softhsm";
import { Pkcs11Signer } from "../../src/signer/signer";
import type { KeyObjectRef, KeyUsageFlags } from "../../src/signer/types";

/** The bench's keys sign and nothing else, as a production signing key would. */
export const SIGNING_KEY_FLAGS: KeyUsageFlags = {
  sign: true, decrypt: false, unwrap: false, derive: false, extractable: false,
  modifiable: false, destroyable: true, sensitive: true, copyable: false,
};

/** The CKA_ID of every key the bench makes. */
export const BENCH_KEY_ID = "be";

export interface BenchToken {
  modulePath: string;
  tokenLabel: string;
  pin: string;
  /** The embedded token's SoftHSM configuration, for the bench's own processes; null on an external token, where the environment's applies. */
  softhsmConf: string | null;
  /** The embedded token's directory (copied for first starts); null on an external token. */
  embeddedDir: string | null;
}

/**
 * Opens the token and a signer on it with `workers` Workers. The rest of the pool is configured
 * as the servers the bench starts configure theirs, from the same SIGNET_* settings
 * (SIGNET_SESSIONS_PER_WORKER for a network HSM, SIGNET_MAX_BATCH, SIGNET_PIPELINE_DEPTH,
 * SIGNET_INLINE_SIGN), so that "the pool without HTTP" is the pool the HTTP stages run.
 */
export async function openBenchToken(dataDir: string, workers: number): Promise<{ token: BenchToken; signer: Pkcs11Signer }> {
  const config = loadConfig(process.env);
  const pool = { ...config.pool, workers };
  if (config.pkcs11.mode === "external") {
    const { modulePath, tokenLabel, pin } = config.pkcs11;
    const token: BenchToken = { modulePath: modulePath!, tokenLabel: tokenLabel!, pin: pin!, softhsmConf: null, embeddedDir: null };
    const signer = await Pkcs11Signer.open({ ...token, pool, inlineSigning: pool.inlineSigning });
    return { token, signer };
  }
  const embedded = prepareEmbeddedToken(dataDir, config.softhsmModule ?? findSoftHsmModule()!);
  const signer = await Pkcs11Signer.open({
    modulePath: embedded.modulePath, tokenLabel: embedded.tokenLabel, pin: embedded.pin,
    pool, inlineSigning: pool.inlineSigning,
    afterTokenChange: () => embedded.snapshots.take(),
  });
  const hsmDir = join(dataDir, "hsm");
  return { token: { modulePath: embedded.modulePath, tokenLabel: embedded.tokenLabel, pin: embedded.pin, softhsmConf: join(hsmDir, "softhsm2.conf"), embeddedDir: hsmDir }, signer };
}

/** Refuses to go on when the token already holds a key the bench is about to make. */
export async function ensureNoBenchKeys(signer: Pkcs11Signer, token: BenchToken, labels: readonly string[]): Promise<void> {
  const found: string[] = [];
  for (const label of labels) {
    try {
      await signer.describeKey({ label, id: BENCH_KEY_ID });
      found.push(label);
    } catch (error) {
      if (!isSignetError(error, "keyNotFound")) throw error;
    }
  }
  if (found.length === 0) return;
  const remove = found.map((label) => `pkcs11-tool --module ${token.modulePath} --token-label ${token.tokenLabel} --login --delete-object --type privkey --label ${label} (and --type pubkey)`);
  throw new Error(`the token already holds keys the bench makes (${found.join(", ")}, CKA_ID ${BENCH_KEY_ID}), most likely from an interrupted run; remove them first:\n  ${remove.join("\n  ")}`);
}

/** Destroys the keys the bench made (both halves of each pair); what cannot be destroyed is named, not fatal. */
export async function destroyBenchKeys(signer: Pkcs11Signer, refs: readonly KeyObjectRef[]): Promise<string[]> {
  const left: string[] = [];
  for (const ref of refs) {
    try {
      await signer.destroyKey(ref);
    } catch (error) {
      if (isSignetError(error, "keyNotFound")) continue; // never made: the run ended before it
      left.push(`${ref.label}: ${(error as Error).message}`);
    }
  }
  return left;
}

/**
 * For the benches whose servers make their keys through the API and keep one data directory
 * across restarts (levers.ts, compat-cost.ts): they run on the embedded token only, so that
 * nothing they make is left on someone's HSM.
 */
export function requireEmbeddedToken(script: string): void {
  if (loadConfig(process.env).pkcs11.mode !== "external") return;
  console.error(`${script} runs on the embedded token only (its servers make keys through the API and do not remove them); unset SIGNET_PKCS11_MODULE, SIGNET_PKCS11_TOKEN_LABEL and SIGNET_PKCS11_PIN. bench/run.ts and bench/micro.ts take an external token.`);
  process.exit(2);
}

/**
 * Verifying a bundle with nothing but the audit public key:
 *
 *   1. the checkpoint is a signed note whose signature verifies under the key (the key name
 *      is the one the note's signature line gives, bound to the key by the key id);
 *   2. every record's leaf (recomputed from its fields) leads through its inclusion proof to
 *      the checkpoint's root at index seq-1;
 *   3. consecutive records chain: prevHash is the SHA-256 of the previous record's entry;
 *   4. in a complete bundle the seqs run from 1 to the tree size without a gap, and the root
 *      recomputed from all the leaves is the checkpoint's.
 *
 * `firstBadSeq` is the lowest seq at which the bundle departs from the signed log: a changed
 * record, a record missing (deleted, or cut off the tail), one out of place (swapped), or
 * one that is not in the tree at all (forged). Pure apart from node:crypto.
 */
import { CompactRange, leafHash, verifyInclusion } from "./merkle";
import { keyId, openCheckpoint, parseSignedNote } from "./note";
import { chainHashOf, entryOf, GENESIS_PREV_HASH } from "./record";
import type { ParsedBundle } from "./bundle-parse";

export interface VerifyResult {
  valid: boolean;
  treeSize: number | null;
  rootHash: string | null;
  firstBadSeq?: number;
  /** What was wrong first, in words. */
  problem?: string;
  records: number;
  complete: boolean;
}

function decodeHashes(values: string[]): Uint8Array[] | null {
  const hashes: Uint8Array[] = [];
  for (const value of values) {
    const bytes = Buffer.from(value, "base64");
    if (bytes.length !== 32 || bytes.toString("base64") !== value) return null;
    hashes.push(new Uint8Array(bytes));
  }
  return hashes;
}

/** The key name of the note's signature by this key, if it has one. */
function signerName(note: string, publicKey: Uint8Array): string | null {
  const parsed = parseSignedNote(note);
  const mine = parsed?.signatures.find((s) => Buffer.from(s.keyId).equals(keyId(s.name, publicKey)));
  return mine?.name ?? null;
}

export function verifyBundle(bundle: ParsedBundle, publicKey: Uint8Array): VerifyResult {
  const base = { records: bundle.records.length, complete: bundle.complete };
  const name = signerName(bundle.checkpoint, publicKey);
  const checkpoint = name ? openCheckpoint(bundle.checkpoint, name, publicKey) : null;
  if (!checkpoint) {
    return { valid: false, treeSize: null, rootHash: null, problem: "the checkpoint is not signed by the audit key", ...base };
  }
  const { treeSize, rootHash } = checkpoint;
  let firstBad: { seq: number; problem: string } | undefined;
  const found = (seq: number, problem: string) => {
    if (!firstBad || seq < firstBad.seq) firstBad = { seq, problem };
  };

  const range = CompactRange.empty();
  let previousSeq = 0;
  let previousHash: string | null = null;
  for (const record of bundle.records) {
    if (record.seq <= previousSeq) {
      found(record.seq, `record ${record.seq} is out of order`);
      continue;
    }
    if (bundle.complete && record.seq !== previousSeq + 1) found(previousSeq + 1, `record ${previousSeq + 1} is missing`);
    const entry = entryOf(record);
    const leaf = leafHash(entry);
    const proof = decodeHashes(record.inclusionProof);
    if (record.seq > treeSize) found(record.seq, `record ${record.seq} is beyond the checkpoint's ${treeSize} records`);
    else if (!proof || !verifyInclusion(record.seq - 1, treeSize, leaf, proof, rootHash)) {
      found(record.seq, `record ${record.seq} is not the one the signed tree holds at that place`);
    }
    const expectedPrev = record.seq === 1 ? GENESIS_PREV_HASH : record.seq === previousSeq + 1 ? previousHash : null;
    if (expectedPrev !== null && record.prevHash !== expectedPrev) found(record.seq, `record ${record.seq} does not chain to the one before`);
    if (bundle.complete) range.append(leaf, () => {});
    previousSeq = record.seq;
    previousHash = chainHashOf(entry);
  }
  if (bundle.complete && previousSeq < treeSize) found(previousSeq + 1, `records from ${previousSeq + 1} on are missing`);

  const result: VerifyResult = { valid: !firstBad, treeSize, rootHash: Buffer.from(rootHash).toString("base64"), ...base };
  if (firstBad) return { ...result, firstBadSeq: firstBad.seq, problem: firstBad.problem };
  if (bundle.complete && !Buffer.from(range.root()).equals(Buffer.from(rootHash))) {
    return { ...result, valid: false, problem: "the records do not hash to the checkpoint's root" };
  }
  return result;
}

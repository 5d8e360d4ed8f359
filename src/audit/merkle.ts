/**
 * The RFC 6962 / RFC 9162 Merkle tree hash over the audit records.
 *
 *   leaf hash  = SHA-256(0x00 ‖ entry)
 *   node hash  = SHA-256(0x01 ‖ left ‖ right)
 *   MTH(D[n])  = the hash of the tree whose left subtree holds the largest power of two of
 *                leaves smaller than n, and whose right subtree holds the rest.
 *
 * The distinct prefixes keep a leaf from ever being mistaken for an inner node (the second-
 * preimage attack on plain Merkle trees). Proofs are built from the hashes of *perfect*
 * subtrees (2^level leaves starting at idx·2^level), which never change once the tree has
 * grown past them: the store keeps exactly those, and `NodeSource` reads them.
 *
 * Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency). This file
 * is pure (its hashing is Bun's one-shot SHA-256, behind src/platform/): the server, the
 * offline CLI verifier and the tests share it.
 */
import { sha256Concat } from "../platform/sha";

export const HASH_BYTES = 32;
const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

export function sha256(...parts: Uint8Array[]): Uint8Array {
  return sha256Concat(parts);
}

export function leafHash(entry: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, entry);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

/** MTH of the empty tree. */
export const EMPTY_ROOT = sha256();

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The hashes of perfect subtrees. `level` 0 is a leaf; `hash(level, idx)` covers leaves
 * [idx·2^level, (idx+1)·2^level). Callers only ask for subtrees inside the tree.
 */
export interface NodeSource {
  hash(level: number, idx: number): Uint8Array;
}

/** MTH(D[start:end]) from stored perfect subtrees: O(log n) lookups. */
export function rangeHash(source: NodeSource, start: number, end: number): Uint8Array {
  const width = end - start;
  if (width === 1) return source.hash(0, start);
  if ((width & (width - 1)) === 0 && start % width === 0) return source.hash(Math.log2(width), start / width);
  const k = splitPoint(width);
  return nodeHash(rangeHash(source, start, start + k), rangeHash(source, start + k, end));
}

export function rootHash(source: NodeSource, size: number): Uint8Array {
  return size === 0 ? EMPTY_ROOT : rangeHash(source, 0, size);
}

/** RFC 6962 PATH(m, D[n]): the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(source: NodeSource, index: number, size: number): Uint8Array[] {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is outside a tree of ${size}`);
  const path: Uint8Array[] = [];
  let start = 0;
  let end = size;
  // Walk down from the root; siblings are collected top-down, the proof lists them bottom-up.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(rangeHash(source, start + k, end));
      end = start + k;
    } else {
      path.push(rangeHash(source, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/** RFC 6962 PROOF(m, D[n]): proves that the tree of `size` extends the tree of `from` leaves. */
export function consistencyProof(source: NodeSource, from: number, size: number): Uint8Array[] {
  if (from < 1 || from > size) throw new RangeError(`no consistency proof from ${from} to ${size}`);
  const proof: Uint8Array[] = [];
  let start = 0;
  let end = size;
  let m = from;
  let complete = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push(rangeHash(source, start + k, end));
      end = start + k;
    } else {
      proof.push(rangeHash(source, start, start + k));
      start += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) proof.push(rangeHash(source, start, end));
  return proof.reverse();
}

/** RFC 9162 §2.1.3.2: the root that the audit path leads to, or null when the path is malformed. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Uint8Array | null {
  if (index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== HASH_BYTES || sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  return computed !== null && equalHashes(computed, root);
}

/** RFC 9162 §2.1.4.2. */
export function verifyConsistency(
  from: number,
  size: number,
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
  proof: Uint8Array[],
): boolean {
  if (from < 1 || from > size) return false;
  if (from === size) return proof.length === 0 && equalHashes(fromRoot, toRoot);
  if (proof.some((p) => p.length !== HASH_BYTES)) return false;
  // When `from` is a power of two the old root is itself the first node of the path.
  const path = (from & (from - 1)) === 0 ? [fromRoot, ...proof] : proof;
  if (path.length === 0) return false;
  let fn = from - 1;
  let sn = size - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(fr, fromRoot) && equalHashes(sr, toRoot);
}

/**
 * The right edge of a growing tree (a "compact range"): the roots of its perfect subtrees,
 * largest first. Appending a leaf merges equal-sized subtrees, and every merge completes a
 * perfect subtree whose hash must be stored. O(log n) memory; the root is O(log n) hashes.
 */
export class CompactRange {
  constructor(
    public size: number,
    /** [level, hash] of each perfect subtree on the right edge, left to right. */
    readonly edge: [number, Uint8Array][],
  ) {}

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** The right edge of a tree of `size` leaves, read from stored subtrees. */
  static load(source: NodeSource, size: number): CompactRange {
    const edge: [number, Uint8Array][] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (size - start >= width) {
        edge.push([level, source.hash(level, start / width)]);
        start += width;
      }
    }
    return new CompactRange(size, edge);
  }

  /** Appends one leaf; `completed` receives each perfect subtree the append finished. */
  append(leaf: Uint8Array, completed: (level: number, idx: number, hash: Uint8Array) => void): void {
    let level = 0;
    let hash = leaf;
    let index = this.size;
    completed(0, index, leaf);
    while (this.edge.length > 0 && this.edge[this.edge.length - 1]![0] === level) {
      const [, left] = this.edge.pop()!;
      hash = nodeHash(left, hash);
      level++;
      index = Math.floor(index / 2);
      completed(level, index, hash);
    }
    this.edge.push([level, hash]);
    this.size++;
  }

  root(): Uint8Array {
    if (this.edge.length === 0) return EMPTY_ROOT;
    let root = this.edge[this.edge.length - 1]![1];
    for (let i = this.edge.length - 2; i >= 0; i--) root = nodeHash(this.edge[i]![1], root);
    return root;
  }
}

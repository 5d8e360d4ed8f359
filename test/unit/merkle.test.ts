/**
 * The Merkle tree against the published RFC 6962 test vectors of the certificate-transparency
 * project (roots of the 8-leaf tree at every size, audit paths and consistency proofs), and
 * properties over many sizes: every proof verifies, and every altered one does not.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  CompactRange,
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  nodeHash,
  rootHash,
  verifyConsistency,
  verifyInclusion,
  type NodeSource,
} from "../../src/audit/merkle";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (value: string) => new Uint8Array(Buffer.from(value, "hex"));

const CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(fromHex);
const CT_ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const CT_PATHS: [number, number, string[]][] = [
  [0, 1, []],
  [0, 8, [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
  ]],
  [5, 8, [
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]],
];
const CT_CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
  ]],
  [6, 8, [
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]],
  [2, 5, [
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
  ]],
];

/** Perfect subtrees kept in a map, filled the way the audit writer fills the store. */
function treeOf(entries: Uint8Array[]): { source: NodeSource; range: CompactRange } {
  const nodes = new Map<string, Uint8Array>();
  const range = CompactRange.empty();
  for (const entry of entries) range.append(leafHash(entry), (level, idx, hash) => nodes.set(`${level}/${idx}`, hash));
  const source: NodeSource = {
    hash(level, idx) {
      const found = nodes.get(`${level}/${idx}`);
      if (!found) throw new Error(`no node ${level}/${idx}`);
      return found;
    },
  };
  return { source, range };
}

/** The RFC 6962 definition, recursively from the leaves: independent of the stored subtrees. */
function naiveRoot(entries: Uint8Array[]): Uint8Array {
  if (entries.length === 0) return EMPTY_ROOT;
  if (entries.length === 1) return leafHash(entries[0]!);
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return nodeHash(naiveRoot(entries.slice(0, k)), naiveRoot(entries.slice(k)));
}

describe("RFC 6962 test vectors", () => {
  test("the empty tree hashes to SHA-256 of nothing", () => {
    expect(hex(EMPTY_ROOT)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test("roots at sizes 1 to 8, from stored subtrees and from the compact range", () => {
    const { source } = treeOf(CT_LEAVES);
    for (let size = 1; size <= 8; size++) {
      expect(hex(rootHash(source, size))).toBe(CT_ROOTS[size - 1]!);
      expect(hex(treeOf(CT_LEAVES.slice(0, size)).range.root())).toBe(CT_ROOTS[size - 1]!);
    }
  });

  test("audit paths", () => {
    const { source } = treeOf(CT_LEAVES);
    for (const [index, size, path] of CT_PATHS) {
      expect(inclusionProof(source, index, size).map(hex)).toEqual(path);
      expect(verifyInclusion(index, size, leafHash(CT_LEAVES[index]!), path.map(fromHex), fromHex(CT_ROOTS[size - 1]!))).toBe(true);
    }
  });

  test("consistency proofs", () => {
    const { source } = treeOf(CT_LEAVES);
    for (const [from, size, proof] of CT_CONSISTENCY) {
      expect(consistencyProof(source, from, size).map(hex)).toEqual(proof);
      expect(verifyConsistency(from, size, fromHex(CT_ROOTS[from - 1]!), fromHex(CT_ROOTS[size - 1]!), proof.map(fromHex))).toBe(true);
    }
  });

  test("the compact range reloads from stored subtrees", () => {
    const { source } = treeOf(CT_LEAVES);
    for (let size = 0; size <= 8; size++) {
      const loaded = CompactRange.load(source, size);
      expect(hex(loaded.root())).toBe(size === 0 ? hex(EMPTY_ROOT) : CT_ROOTS[size - 1]!);
    }
  });
});

describe("properties", () => {
  const entries = Array.from({ length: 70 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
  const { source } = treeOf(entries);

  test("every root equals the recursive definition", () => {
    for (let size = 1; size <= entries.length; size++) expect(hex(rootHash(source, size))).toBe(hex(naiveRoot(entries.slice(0, size))));
  });

  test("inclusion proofs verify, and fail for another leaf, index, size or a flipped bit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: entries.length }), fc.nat(), fc.nat(), (size, a, bit) => {
        const index = a % size;
        const root = rootHash(source, size);
        const proof = inclusionProof(source, index, size);
        const leaf = leafHash(entries[index]!);
        expect(verifyInclusion(index, size, leaf, proof, root)).toBe(true);
        expect(verifyInclusion(index, size, leafHash(new TextEncoder().encode("forged")), proof, root)).toBe(false);
        if (size > 1) expect(verifyInclusion((index + 1) % size, size, leaf, proof, root)).toBe(false);
        if (proof.length > 0) {
          const bent = proof.map((p) => p.slice());
          const at = bit % (proof.length * 256);
          bent[Math.floor(at / 256)]![(at % 256) >> 3]! ^= 1 << (at & 7);
          expect(verifyInclusion(index, size, leaf, bent, root)).toBe(false);
          expect(verifyInclusion(index, size, leaf, proof.slice(0, -1), root)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("consistency proofs verify between any two sizes, and fail against another root", () => {
    for (let size = 1; size <= entries.length; size += 3) {
      for (let from = 1; from <= size; from++) {
        const proof = consistencyProof(source, from, size);
        const fromRoot = rootHash(source, from);
        const toRoot = rootHash(source, size);
        expect(verifyConsistency(from, size, fromRoot, toRoot, proof)).toBe(true);
        if (from < size) {
          expect(verifyConsistency(from, size, rootHash(source, from + 1), toRoot, proof)).toBe(false);
          expect(verifyConsistency(from, size, fromRoot, rootHash(source, size - 1), proof)).toBe(false);
        }
      }
    }
  });
});

describe("verifier keys", () => {
  test("a verifier key whose base64 holds '+' parses", async () => {
    const { parseVerifierKey, verifierKey } = await import("../../src/audit/note");
    for (let i = 0; i < 64; i++) {
      const key = new Uint8Array(32).fill(i * 4 + 0xf8);
      const text = verifierKey("example.com/log", key);
      expect(Buffer.from(parseVerifierKey(text)!.publicKey)).toEqual(Buffer.from(key));
    }
    expect(parseVerifierKey("example.com/log+00000000+AQ==")).toBeNull();
  });
});

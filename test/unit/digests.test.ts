/**
 * The digests signatures may be computed over, against published test vectors and node:crypto: Keccak (the
 * original padding, as Ethereum uses it; NIST's SHA-3 differs), SHA-3 (FIPS 202), double SHA-256.
 * The Keccak vectors are the ones published with the Keccak submission and quoted by Ethereum's
 * documentation; they also check @noble/hashes, which the tests' verifier uses for Keccak.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { digest, DIGEST_BYTES } from "../../src/signer/digests";

const hex = (name: Parameters<typeof digest>[0], text: string) => digest(name, new TextEncoder().encode(text)).toString("hex");

describe("Keccak (original padding)", () => {
  test("published vectors", () => {
    expect(hex("KECCAK256", "")).toBe("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(hex("KECCAK256", "abc")).toBe("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    expect(hex("KECCAK224", "")).toBe("f71837502ba8e10837bdd8d365adb85591895602fc552b48b7390abd");
    expect(hex("KECCAK384", "")).toBe("2c23146a63a29acf99e73b88f8c24eaa7dc60aa771780ccc006afbfa8fe2479b2dd2b21362337441ac12b515911957ff");
    expect(hex("KECCAK512", "")).toBe(
      "0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e",
    );
  });

  test("is not SHA-3: the padding differs", () => {
    expect(hex("KECCAK256", "")).not.toBe(hex("SHA3_256", ""));
  });
});

describe("SHA-3 and the others", () => {
  test("FIPS 202 vectors for the empty message", () => {
    expect(hex("SHA3_224", "")).toBe("6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7");
    expect(hex("SHA3_256", "")).toBe("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    expect(hex("SHA3_384", "")).toBe("0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61995e71bbee983a2ac3713831264adb47fb6bd1e058d5f004");
    expect(hex("SHA3_512", "")).toBe(
      "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
    );
  });

  test("DOUBLE_SHA256 is SHA-256 of SHA-256, and every digest has its length", () => {
    const once = createHash("sha256").update("abc").digest();
    expect(hex("DOUBLE_SHA256", "abc")).toBe(createHash("sha256").update(once).digest("hex"));
    for (const [name, bytes] of Object.entries(DIGEST_BYTES)) expect({ name, length: digest(name as never, new Uint8Array(3)).length }).toEqual({ name, length: bytes });
  });
});

describe("SHA-1 and SHA-2 (Bun's one-shot hashers)", () => {
  test("agree with node:crypto, on views into larger buffers too", () => {
    const names = { SHA1: "sha1", SHA224: "sha224", SHA256: "sha256", SHA384: "sha384", SHA512: "sha512" } as const;
    const backing = new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 0xff);
    for (const length of [0, 1, 55, 56, 64, 75, 1000]) {
      for (const offset of [0, 3, 1024]) {
        const view = backing.subarray(offset, offset + length);
        for (const [name, node] of Object.entries(names)) {
          const expected = createHash(node).update(view).digest("hex");
          expect({ name, length, offset, digest: digest(name as keyof typeof names, view).toString("hex") }).toEqual({ name, length, offset, digest: expected });
        }
      }
    }
  });
});

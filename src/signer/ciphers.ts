/**
 * Cipher algorithms by their Securosys names, and what each needs: the key type, the mode, the
 * IV length the service generates on encryption, and the block size whole blocks are counted
 * in. How a cipher is carried out on a given token is decided in pkcs11/ciphers.ts.
 *
 * TDEA (three-key triple DES) is offered for the legacy systems that still need it, in CBC
 * only, with a fresh random 64-bit IV per message. Its 64-bit block limits how much data one
 * key may encrypt (NIST SP 800-67 Rev. 2: at most 2^20 blocks per key); Signet does not count.
 *
 * Not offered on purpose: AES_ECB and TDEA_ECB (equal blocks give equal ciphertext) and
 * RSA_NO_PADDING (textbook RSA).
 */
import type { HashName } from "./algorithms";

export type CipherMode = "gcm" | "cbc" | "cbcPad" | "ctr" | "oaep" | "pkcs1";

export interface CipherAlgorithm {
  name: string;
  keyType: "AES" | "TDEA" | "RSA";
  mode: CipherMode;
  /** OAEP's hash (and MGF1's); null for the others. */
  hash: HashName | null;
  /** Bytes of IV the service draws for each encryption (0: the mode takes none). */
  ivBytes: number;
  /** The block cipher's block (16 for AES, 8 for TDEA; 0 for RSA). */
  blockBytes: number;
}

/** GCM tag lengths Signet accepts, in bits (NIST SP 800-38D allows 96 to 128; shorter tags are refused). */
export const GCM_TAG_BITS = [96, 104, 112, 120, 128] as const;
export const GCM_DEFAULT_TAG_BITS = 128;
export const AES_BLOCK_BYTES = 16;
export const TDEA_BLOCK_BYTES = 8;

/** ECB ciphers the TSB knows and Signet refuses to offer; named in the refusal so that it is not taken for a typo. */
export const REFUSED_CIPHERS: ReadonlyMap<string, string> = new Map([
  ["AES_ECB", "ECB leaks equal plaintext blocks as equal ciphertext blocks: use AES_GCM, or AES (CBC) for compatibility"],
  ["TDEA_ECB", "ECB leaks equal plaintext blocks as equal ciphertext blocks: use TDEA_CBC"],
  ["RSA_NO_PADDING", "textbook RSA is malleable and deterministic: use RSA_PADDING_OAEP_WITH_SHA256"],
]);

function table(): Map<string, CipherAlgorithm> {
  const all: CipherAlgorithm[] = [
    // A random 96-bit IV per message: the length GCM is specified for, drawn afresh every time.
    { name: "AES_GCM", keyType: "AES", mode: "gcm", hash: null, ivBytes: 12, blockBytes: AES_BLOCK_BYTES },
    { name: "AES_CBC_NO_PADDING", keyType: "AES", mode: "cbc", hash: null, ivBytes: 16, blockBytes: AES_BLOCK_BYTES },
    { name: "AES", keyType: "AES", mode: "cbcPad", hash: null, ivBytes: 16, blockBytes: AES_BLOCK_BYTES },
    // A random 128-bit initial counter block, incremented as one 128-bit big-endian number.
    { name: "AES_CTR", keyType: "AES", mode: "ctr", hash: null, ivBytes: 16, blockBytes: AES_BLOCK_BYTES },
    // The TSB's TDEA_CBC pads (PKCS#5), as its "AES" does; TDEA_CBC_NO_PADDING takes whole 8-byte blocks.
    { name: "TDEA_CBC", keyType: "TDEA", mode: "cbcPad", hash: null, ivBytes: 8, blockBytes: TDEA_BLOCK_BYTES },
    { name: "TDEA_CBC_NO_PADDING", keyType: "TDEA", mode: "cbc", hash: null, ivBytes: 8, blockBytes: TDEA_BLOCK_BYTES },
    { name: "RSA_PADDING_PKCS", keyType: "RSA", mode: "pkcs1", hash: null, ivBytes: 0, blockBytes: 0 },
    // The TSB's (and Java's) "RSA" is RSA/ECB/PKCS1Padding; "RSA_PADDING_OAEP" is OAEP with SHA-1.
    { name: "RSA", keyType: "RSA", mode: "pkcs1", hash: null, ivBytes: 0, blockBytes: 0 },
    { name: "RSA_PADDING_OAEP", keyType: "RSA", mode: "oaep", hash: "SHA1", ivBytes: 0, blockBytes: 0 },
  ];
  for (const hash of ["SHA1", "SHA224", "SHA256", "SHA384", "SHA512"] as const) {
    all.push({ name: `RSA_PADDING_OAEP_WITH_${hash}`, keyType: "RSA", mode: "oaep", hash, ivBytes: 0, blockBytes: 0 });
  }
  return new Map(all.map((a) => [a.name, a]));
}

export const CIPHER_ALGORITHMS: ReadonlyMap<string, CipherAlgorithm> = table();

export function cipherAlgorithm(name: string): CipherAlgorithm | undefined {
  return CIPHER_ALGORITHMS.get(name);
}

/** What a caller passes along with the data to encrypt or decrypt. */
export interface CipherParams {
  /** The IV (decryption; on encryption the signer draws it). */
  iv: Uint8Array | null;
  /** GCM additional authenticated data. */
  aad: Uint8Array | null;
  /** GCM tag length in bits. */
  tagBits: number;
}

export interface Encrypted {
  /** Ciphertext, with the GCM tag appended. */
  ciphertext: Uint8Array;
  iv: Uint8Array | null;
}

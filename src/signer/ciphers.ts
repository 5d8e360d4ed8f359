/**
 * Cipher algorithms by their Securosys names, and what each needs: the key type, the mode, the
 * IV length the service generates on encryption, and whether the payload must fill whole AES
 * blocks. How a cipher is carried out on a given token is decided in pkcs11/ciphers.ts.
 *
 * Not offered on purpose: AES_ECB (equal blocks give equal ciphertext) and RSA_NO_PADDING
 * (textbook RSA).
 */
import type { HashName } from "./algorithms";

export type CipherMode = "gcm" | "cbc" | "cbcPad" | "ctr" | "oaep" | "pkcs1";

export interface CipherAlgorithm {
  name: string;
  keyType: "AES" | "RSA";
  mode: CipherMode;
  /** OAEP's hash (and MGF1's); null for the others. */
  hash: HashName | null;
  /** Bytes of IV the service draws for each encryption (0: the mode takes none). */
  ivBytes: number;
}

/** GCM tag lengths Signet accepts, in bits (NIST SP 800-38D allows 96 to 128; shorter tags are refused). */
export const GCM_TAG_BITS = [96, 104, 112, 120, 128] as const;
export const GCM_DEFAULT_TAG_BITS = 128;
export const AES_BLOCK_BYTES = 16;

function table(): Map<string, CipherAlgorithm> {
  const all: CipherAlgorithm[] = [
    // A random 96-bit IV per message: the length GCM is specified for, drawn afresh every time.
    { name: "AES_GCM", keyType: "AES", mode: "gcm", hash: null, ivBytes: 12 },
    { name: "AES_CBC_NO_PADDING", keyType: "AES", mode: "cbc", hash: null, ivBytes: 16 },
    { name: "AES", keyType: "AES", mode: "cbcPad", hash: null, ivBytes: 16 },
    // A random 128-bit initial counter block, incremented as one 128-bit big-endian number.
    { name: "AES_CTR", keyType: "AES", mode: "ctr", hash: null, ivBytes: 16 },
    { name: "RSA_PADDING_PKCS", keyType: "RSA", mode: "pkcs1", hash: null, ivBytes: 0 },
    // The TSB's (and Java's) "RSA" is RSA/ECB/PKCS1Padding; "RSA_PADDING_OAEP" is OAEP with SHA-1.
    { name: "RSA", keyType: "RSA", mode: "pkcs1", hash: null, ivBytes: 0 },
    { name: "RSA_PADDING_OAEP", keyType: "RSA", mode: "oaep", hash: "SHA1", ivBytes: 0 },
  ];
  for (const hash of ["SHA1", "SHA224", "SHA256", "SHA384", "SHA512"] as const) {
    all.push({ name: `RSA_PADDING_OAEP_WITH_${hash}`, keyType: "RSA", mode: "oaep", hash, ivBytes: 0 });
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

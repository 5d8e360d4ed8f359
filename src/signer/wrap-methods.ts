/**
 * Key wrapping methods by their Securosys names. The suffix of an AES method names the type of
 * the private key it carries (needed to unwrap it: the token must be told what key it makes);
 * without a suffix the wrapped key is a secret key (AES, TDEA, HMAC).
 *
 * Private keys travel as PKCS#8, whose length is rarely a multiple of 8 bytes, so they are
 * wrapped with the padding variant (RFC 5649) only. RSA_WRAP_OAEP is OAEP with SHA-1 and
 * MGF1-SHA-1, the PKCS#11 and Java default and the one hash every token's OAEP takes; it wraps
 * secret keys (a private key does not fit in one RSA block). RSA_WRAP_PAD (PKCS#1 v1.5) is not
 * offered: it is open to padding-oracle attacks on unwrap.
 */
import type { HashName } from "./algorithms";

export type WrappedKind = "secret" | "RSA" | "EC" | "ED" | "DSA";

export interface WrapMethod {
  name: string;
  /** Key type of the wrapping (and unwrapping) key. */
  wrappingKeyType: "AES" | "RSA";
  mechanism: "AES_KEY_WRAP" | "AES_KEY_WRAP_PAD" | "RSA_PKCS_OAEP";
  wrapped: WrappedKind;
  oaepHash: HashName | null;
}

function table(): Map<string, WrapMethod> {
  const all: WrapMethod[] = [
    { name: "AES_WRAP", wrappingKeyType: "AES", mechanism: "AES_KEY_WRAP", wrapped: "secret", oaepHash: null },
    { name: "AES_WRAP_PAD", wrappingKeyType: "AES", mechanism: "AES_KEY_WRAP_PAD", wrapped: "secret", oaepHash: null },
    { name: "RSA_WRAP_OAEP", wrappingKeyType: "RSA", mechanism: "RSA_PKCS_OAEP", wrapped: "secret", oaepHash: "SHA1" },
  ];
  for (const type of ["RSA", "EC", "ED", "DSA"] as const) {
    all.push({ name: `AES_WRAP_PAD_${type}`, wrappingKeyType: "AES", mechanism: "AES_KEY_WRAP_PAD", wrapped: type, oaepHash: null });
  }
  return new Map(all.map((m) => [m.name, m]));
}

export const WRAP_METHODS: ReadonlyMap<string, WrapMethod> = table();

export function wrapMethod(name: string): WrapMethod | undefined {
  return WRAP_METHODS.get(name);
}

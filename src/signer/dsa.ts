/**
 * DSA public keys as X.509 SubjectPublicKeyInfo (RFC 3279, section 2.3.2): the algorithm
 * id-dsa with the domain parameters p, q, g, and the public value y as a DER INTEGER inside
 * the BIT STRING. Pure: DER written out by hand (a handful of INTEGERs in SEQUENCEs).
 */

const OID_DSA = Buffer.from("06072a8648ce380401", "hex"); // 1.2.840.10040.4.1

export const DSA_OID = "1.2.840.10040.4.1";

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

/** A positive INTEGER: leading zero bytes dropped, one added when the top bit is set. */
function integer(unsigned: Uint8Array): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export interface DsaPublicKey {
  prime: Uint8Array;
  subprime: Uint8Array;
  base: Uint8Array;
  value: Uint8Array;
}

export function dsaSpki(key: DsaPublicKey): Uint8Array {
  const params = tlv(0x30, Buffer.concat([integer(key.prime), integer(key.subprime), integer(key.base)]));
  const algorithm = tlv(0x30, Buffer.concat([OID_DSA, params]));
  // BIT STRING: no unused bits, then the DER INTEGER y.
  const subjectPublicKey = tlv(0x03, Buffer.concat([Buffer.from([0]), integer(key.value)]));
  return new Uint8Array(tlv(0x30, Buffer.concat([algorithm, subjectPublicKey])));
}

/** Bits of a big-endian unsigned integer. */
export function bitLength(bigEndian: Uint8Array): number {
  let start = 0;
  while (start < bigEndian.length && bigEndian[start] === 0) start++;
  if (start === bigEndian.length) return 0;
  return (bigEndian.length - start - 1) * 8 + (32 - Math.clz32(bigEndian[start]!));
}

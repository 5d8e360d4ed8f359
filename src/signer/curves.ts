/** Named curves Signet can create keys on, with the encodings PKCS#11 and X.509 need. */
import type { CurveName } from "./types";

export interface CurveInfo {
  name: CurveName;
  oid: string;
  /** DER of the OID, which is what CKA_EC_PARAMS holds for a named curve. */
  ecParams: Uint8Array;
  /** Bytes of one coordinate (and of r and s in an ECDSA signature). */
  fieldBytes: number;
  bits: number;
}

function curve(name: CurveName, oid: string, ecParamsHex: string, fieldBytes: number, bits: number): CurveInfo {
  return { name, oid, ecParams: Buffer.from(ecParamsHex, "hex"), fieldBytes, bits };
}

export const CURVES: readonly CurveInfo[] = [
  curve("P-256", "1.2.840.10045.3.1.7", "06082a8648ce3d030107", 32, 256),
  curve("P-384", "1.3.132.0.34", "06052b81040022", 48, 384),
  curve("P-521", "1.3.132.0.35", "06052b81040023", 66, 521),
  curve("secp256k1", "1.3.132.0.10", "06052b8104000a", 32, 256),
  curve("Ed25519", "1.3.101.112", "06032b6570", 32, 255),
];

export function curveByOid(oid: string): CurveInfo | undefined {
  return CURVES.find((c) => c.oid === oid);
}

export function curveByName(name: CurveName): CurveInfo {
  const found = CURVES.find((c) => c.name === name);
  if (!found) throw new Error(`unknown curve ${name}`);
  return found;
}

/**
 * Recognises CKA_EC_PARAMS. SoftHSM and most HSMs store the OID; some store the curve's
 * printable name for Edwards curves ("edwards25519"), which is accepted too.
 */
export function curveByEcParams(params: Uint8Array): CurveInfo | undefined {
  const hex = Buffer.from(params).toString("hex");
  const byOid = CURVES.find((c) => Buffer.from(c.ecParams).toString("hex") === hex);
  if (byOid) return byOid;
  if (params[0] === 0x13 && Buffer.from(params.subarray(2)).toString("latin1") === "edwards25519") {
    return curveByName("Ed25519");
  }
  return undefined;
}

/**
 * X.509 certificates stored beside their key: CKO_CERTIFICATE objects (CKC_X_509) carrying the
 * key's CKA_LABEL and the CKA_ID of the key version whose public key they certify, as PKCS#11
 * applications expect to find them. They are public token objects (CKA_PRIVATE false).
 */
import type { PKCS11 } from "pkcs11js";
import type { KeyObjectRef } from "../types";
import { CKA, CKC, CKO } from "./constants";
import { findAll, findObjectsOf } from "./keys";
import type { Handle } from "./module";

export interface StoredCertificate {
  /** CKA_ID, lowercase hex. */
  id: string;
  der: Uint8Array;
}

/** The DER fields PKCS#11 wants beside the certificate's value (CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER). */
export interface CertificateFields {
  der: Uint8Array;
  subject: Uint8Array;
  issuer: Uint8Array;
  serialNumber: Uint8Array;
}

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function byLabel(p11: PKCS11, session: Handle, label: string): Handle[] {
  return findAll(p11, session, [
    { type: CKA.CLASS, value: CKO.CERTIFICATE },
    { type: CKA.LABEL, value: label },
  ]);
}

/** Stores a certificate for `ref`, replacing the one it had. */
export function storeCertificate(p11: PKCS11, session: Handle, ref: KeyObjectRef, fields: CertificateFields): null {
  const previous = findObjectsOf(p11, session, CKO.CERTIFICATE, ref);
  p11.C_CreateObject(session, [
    { type: CKA.CLASS, value: CKO.CERTIFICATE },
    { type: CKA.CERTIFICATE_TYPE, value: CKC.X_509 },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: false },
    { type: CKA.LABEL, value: ref.label },
    { type: CKA.ID, value: Buffer.from(ref.id, "hex") },
    { type: CKA.SUBJECT, value: buffer(fields.subject) },
    { type: CKA.ISSUER, value: buffer(fields.issuer) },
    { type: CKA.SERIAL_NUMBER, value: buffer(fields.serialNumber) },
    { type: CKA.VALUE, value: buffer(fields.der) },
  ]);
  // The new one first, then the old ones go: a failure in between leaves a certificate, never none.
  for (const handle of previous) p11.C_DestroyObject(session, handle);
  return null;
}

export function listCertificates(p11: PKCS11, session: Handle, label: string): StoredCertificate[] {
  return byLabel(p11, session, label).map((handle) => {
    const [id, value] = p11.C_GetAttributeValue(session, handle, [{ type: CKA.ID }, { type: CKA.VALUE }]);
    return { id: id!.value.toString("hex"), der: new Uint8Array(value!.value) };
  });
}

/** Destroys every certificate labelled `label` (of any key version); answers how many. */
export function destroyCertificates(p11: PKCS11, session: Handle, label: string): number {
  const handles = byLabel(p11, session, label);
  for (const handle of handles) p11.C_DestroyObject(session, handle);
  return handles.length;
}

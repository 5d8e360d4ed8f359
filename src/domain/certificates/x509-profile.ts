/**
 * What a certificate or CSR request asks for, in the TSB's words, turned into X.509: the
 * subject name (standardCertificateAttributes), key usages and extended key usages (the TSB's
 * enum names, also as one comma-separated string, which is how the TSB Go client sends them),
 * subject alternative names (Signet extension), the validity, and the signature algorithm.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { SignetError } from "../../errors";
import { signatureAlgorithm } from "../../signer/algorithms";
import type { KeyType } from "../../signer/types";

/** The TSB's standardCertificateAttributes and the OIDs of their name attributes. */
export const NAME_ATTRIBUTES = {
  commonName: "2.5.4.3",
  country: "2.5.4.6",
  stateOrProvinceName: "2.5.4.8",
  locality: "2.5.4.7",
  organizationName: "2.5.4.10",
  organizationUnitName: "2.5.4.11",
  email: "1.2.840.113549.1.9.1",
  title: "2.5.4.12",
  surname: "2.5.4.4",
  givenName: "2.5.4.42",
  initials: "2.5.4.43",
  pseudonym: "2.5.4.65",
  generationQualifier: "2.5.4.44",
} as const;

export type NameAttributes = Partial<Record<keyof typeof NAME_ATTRIBUTES | "organization", string | null>>;

const KEY_USAGES: Record<string, x509.KeyUsageFlags> = {
  DIGITAL_SIGNATURE: x509.KeyUsageFlags.digitalSignature,
  CONTENT_COMMITMENT: x509.KeyUsageFlags.nonRepudiation,
  NON_REPUDIATION: x509.KeyUsageFlags.nonRepudiation,
  KEY_ENCIPHERMENT: x509.KeyUsageFlags.keyEncipherment,
  DATA_ENCIPHERMENT: x509.KeyUsageFlags.dataEncipherment,
  KEY_AGREEMENT: x509.KeyUsageFlags.keyAgreement,
  KEY_CERT_SIGN: x509.KeyUsageFlags.keyCertSign,
  CRL_SIGN: x509.KeyUsageFlags.cRLSign,
  ENCIPHER_ONLY: x509.KeyUsageFlags.encipherOnly,
  DECIPHER_ONLY: x509.KeyUsageFlags.decipherOnly,
};

const EXTENDED_KEY_USAGES: Record<string, string> = {
  ANY_EXTENDED_KEY_USAGE: "2.5.29.37.0",
  SERVER_AUTH: x509.ExtendedKeyUsage.serverAuth,
  CLIENT_AUTH: x509.ExtendedKeyUsage.clientAuth,
  CODE_SIGNING: x509.ExtendedKeyUsage.codeSigning,
  EMAIL_PROTECTION: x509.ExtendedKeyUsage.emailProtection,
  TIME_STAMPING: x509.ExtendedKeyUsage.timeStamping,
  OCSP_SIGNING: x509.ExtendedKeyUsage.ocspSigning,
};

const SAN_TYPES: Record<string, x509.JsonGeneralName["type"]> = { DNS: "dns", IP: "ip", EMAIL: "email", URI: "url" };

export const MAX_VALIDITY_DAYS = 36_500;
export const DEFAULT_VALIDITY_DAYS = 365;

/** The TSB sends ["A,B"] as well as ["A", "B"]; empty strings mean nothing. */
function names(list: readonly string[] | null | undefined): string[] {
  return (list ?? []).flatMap((item) => item.split(",")).map((item) => item.trim()).filter((item) => item.length > 0);
}

export function subjectName(attributes: NameAttributes): x509.Name {
  const json: x509.JsonName = [];
  const merged = { ...attributes, organizationName: attributes.organizationName ?? attributes.organization };
  for (const [field, oid] of Object.entries(NAME_ATTRIBUTES)) {
    const value = merged[field as keyof typeof merged];
    if (value === null || value === undefined || value === "") continue;
    if (value.length > 256) throw new SignetError("inputValidation", `${field} is longer than 256 characters`);
    if (field === "country" && !/^[A-Z]{2}$/.test(value)) throw new SignetError("inputValidation", "country is two capital letters (ISO 3166)");
    json.push({ [oid]: [value] });
  }
  if (json.length === 0) throw new SignetError("inputValidation", "the subject needs at least a commonName");
  return new x509.Name(json);
}

export function keyUsageExtension(list: readonly string[] | null | undefined, fallback: x509.KeyUsageFlags): x509.KeyUsagesExtension {
  let flags = 0;
  for (const name of names(list)) {
    const flag = KEY_USAGES[name];
    if (flag === undefined) throw new SignetError("inputValidation", `unknown keyUsage ${name} (${Object.keys(KEY_USAGES).join(", ")})`);
    flags |= flag;
  }
  return new x509.KeyUsagesExtension(flags || fallback, true);
}

export function extendedKeyUsageExtension(list: readonly string[] | null | undefined): x509.ExtendedKeyUsageExtension | null {
  const oids = names(list).map((name) => {
    const oid = EXTENDED_KEY_USAGES[name];
    if (!oid) throw new SignetError("inputValidation", `unknown extendedKeyUsage ${name} (${Object.keys(EXTENDED_KEY_USAGES).join(", ")})`);
    return oid;
  });
  return oids.length > 0 ? new x509.ExtendedKeyUsageExtension(oids, false) : null;
}

/** "DNS:host.example", "IP:192.0.2.1", "EMAIL:a@b.example", "URI:https://..." */
export function subjectAltNameExtension(list: readonly string[] | null | undefined): x509.SubjectAlternativeNameExtension | null {
  const entries = (list ?? []).map((item) => {
    const split = item.indexOf(":");
    const type = split > 0 ? SAN_TYPES[item.slice(0, split).toUpperCase()] : undefined;
    const value = split > 0 ? item.slice(split + 1).trim() : "";
    if (!type || !value) throw new SignetError("inputValidation", `subjectAlternativeNames entry "${item}" is not DNS:, IP:, EMAIL: or URI: and a value`);
    if (type === "ip" && !/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(value)) throw new SignetError("inputValidation", `"${value}" is not an IP address`);
    return { type, value };
  });
  return entries.length > 0 ? new x509.SubjectAlternativeNameExtension(entries, false) : null;
}

export function validityDays(validity: number | null | undefined): number {
  const days = validity ?? DEFAULT_VALIDITY_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) {
    throw new SignetError("numberOutOfRange", `validity is 1 to ${MAX_VALIDITY_DAYS} days; got ${days}`);
  }
  return days;
}

/** A certificate's dates: from the current second, for whole days. */
export function validityPeriod(days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * 86_400_000) };
}

/** How a TSB signature algorithm signs a certificate: the WebCrypto parameters @peculiar/x509 takes. */
export interface CertificateSignature {
  name: string;
  keyType: KeyType;
  webCrypto: Algorithm & { hash?: string; saltLength?: number };
}

const CERT_HASHES = new Set(["SHA256", "SHA384", "SHA512"]);
const HASH_BYTES: Record<string, number> = { SHA256: 32, SHA384: 48, SHA512: 64 };

export function certificateSignature(name: string, key: { label: string; type: KeyType }): CertificateSignature {
  const algorithm = signatureAlgorithm(name);
  const allowed =
    algorithm && !algorithm.prehashed && !algorithm.deterministic && algorithm.scheme !== "dsa" && (algorithm.scheme === "eddsa" || CERT_HASHES.has(algorithm.hash ?? ""));
  if (!algorithm || !allowed) {
    throw new SignetError("inputValidation", `signatureAlgorithm for certificates is SHA256|SHA384|SHA512_WITH_RSA, _WITH_RSA_PSS, _WITH_ECDSA or EDDSA; got "${name}"`);
  }
  if (algorithm.keyType !== key.type) {
    throw new SignetError("algorithmNotSupportedByKey", `${name} needs a ${algorithm.keyType} key; "${key.label}" is ${key.type}`);
  }
  const hash = algorithm.hash ? `SHA-${algorithm.hash.slice(3)}` : undefined;
  switch (algorithm.scheme) {
    case "pkcs1":
      return { name, keyType: "RSA", webCrypto: { name: "RSASSA-PKCS1-v1_5", hash } };
    case "pss":
      return { name, keyType: "RSA", webCrypto: { name: "RSA-PSS", hash, saltLength: HASH_BYTES[algorithm.hash!] } };
    case "ecdsa":
      return { name, keyType: "EC", webCrypto: { name: "ECDSA", hash } };
    case "eddsa":
      return { name, keyType: "ED", webCrypto: { name: "Ed25519" } };
    case "dsa":
      throw new SignetError("inputValidation", `certificates are not signed with DSA; got "${name}"`);
  }
}

/** A random positive 128-bit serial number, hex, minimally encoded (RFC 5280 allows up to 20 octets). */
export function randomSerial(): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    if (bytes[0] === 0) continue;
    const hex = Buffer.from(bytes).toString("hex");
    return bytes[0]! & 0x80 ? `00${hex}` : hex;
  }
}

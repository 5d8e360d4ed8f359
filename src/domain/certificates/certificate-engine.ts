/**
 * The certificate work behind certificate-service.ts (loaded on first use; see there).
 *
 * Certificates bound to keys: PKCS#10 requests and self-signed certificates signed by a key in
 * the HSM, certificates issued from a CSR by an HSM CA key, and the certificate stored beside a
 * key (a CKO_CERTIFICATE with the key's label and the CKA_ID of the version it certifies).
 *
 * Every signature is made in the HSM through hsm-crypto.ts; @peculiar/x509 only encodes. A CSR
 * to be signed is checked first (its signature must verify). An issued certificate gets a
 * random 128-bit serial, SKI and AKI, basic constraints and the requested key usages, and does
 * not outlive its issuer's certificate.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { createHash } from "node:crypto";
import { SignetError } from "../../errors";
import { curveByOid } from "../../signer/curves";
import type { Signer } from "../../signer/signer";
import { parseKeyHandleId } from "../../signer/types";
import type { OperationContext } from "../context";
import type { KeyService, KeyView, ResolvedKey } from "../keys/key-service";
import { checkNotBlocked, currentVersion, type KeyUse } from "../keys/key-use";
import { hsmCrypto, hsmKeyPair } from "./hsm-crypto";
import {
  certificateSignature,
  extendedKeyUsageExtension,
  NAME_ATTRIBUTES,
  keyUsageExtension,
  randomSerial,
  subjectAltNameExtension,
  subjectName,
  validityDays,
  validityPeriod,
  type CertificateSignature,
  type NameAttributes,
} from "./x509-profile";

export interface CsrInput {
  label: string;
  signatureAlgorithm: string;
  attributes: NameAttributes;
  keyUsage?: string[] | null;
  extendedKeyUsage?: string[] | null;
  subjectAlternativeNames?: string[] | null;
  /** The key's password (TSB keyPassword), if it has one. */
  password?: string | null;
}

export interface SelfSignInput extends CsrInput {
  validity?: number | null;
  certificateAuthority?: boolean | null;
}

export interface SignCsrInput {
  /** The CA key. */
  label: string;
  signatureAlgorithm: string;
  csr: Uint8Array;
  commonName?: string | null;
  keyUsage?: string[] | null;
  extendedKeyUsage?: string[] | null;
  subjectAlternativeNames?: string[] | null;
  validity?: number | null;
  certificateAuthority?: boolean | null;
  /** The CA key's password (TSB keyPassword), if it has one. */
  password?: string | null;
}

export interface Issued {
  label: string;
  /** PEM. */
  pem: string;
  keyVersion: string;
}

const WEBCRYPTO_CURVE: Record<string, string> = { "P-256": "P-256", "P-384": "P-384", "P-521": "P-521", secp256k1: "K-256" };
const OID = { subjectAltName: "2.5.29.17", basicConstraints: "2.5.29.19", subjectKeyIdentifier: "2.5.29.14", keyUsage: "2.5.29.15" } as const;
const ECDSA_HASH: Record<string, string> = { "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384", "1.2.840.10045.4.3.4": "sha512" };

/** Certificates and CSRs come as PEM or as base64 DER; both are DER once they are bytes. */
export function derOf(bytes: Uint8Array, label: string): Uint8Array {
  const text = Buffer.from(bytes).toString("latin1");
  const match = new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`).exec(text);
  return match ? new Uint8Array(Buffer.from(match[1]!.replace(/\s+/g, ""), "base64")) : bytes;
}

export class CertificateEngine {
  private readonly crypto: Crypto;

  constructor(private readonly keys: KeyService, private readonly signer: Signer) {
    this.crypto = hsmCrypto(signer);
  }

  async request(input: CsrInput, context: OperationContext): Promise<Issued> {
    const { key, use, signature, pair } = await this.signingKey(input.label, input.signatureAlgorithm, context, input.password);
    const extensions: x509.Extension[] = [];
    if (input.keyUsage?.some((usage) => usage.trim())) extensions.push(keyUsageExtension(input.keyUsage, x509.KeyUsageFlags.digitalSignature));
    const eku = extendedKeyUsageExtension(input.extendedKeyUsage);
    if (eku) extensions.push(eku);
    const san = subjectAltNameExtension(input.subjectAlternativeNames);
    if (san) extensions.push(san);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create(
      { name: subjectName(input.attributes), keys: pair, signingAlgorithm: signature.webCrypto, extensions },
      this.crypto,
    );
    return { label: key.label, pem: csr.toString("pem"), keyVersion: use.keyVersion };
  }

  /** A self-signed certificate for the key, stored beside it (replacing the one it had). */
  async selfSign(input: SelfSignInput, context: OperationContext): Promise<Issued> {
    const { key, use, signature, pair, spki } = await this.signingKey(input.label, input.signatureAlgorithm, context, input.password);
    const days = validityDays(input.validity);
    const name = subjectName(input.attributes);
    const ca = input.certificateAuthority === true;
    const ski = await x509.SubjectKeyIdentifierExtension.create(spki, false, this.crypto);
    const extensions = this.profile(ca, input, ski);
    extensions.push(new x509.AuthorityKeyIdentifierExtension(ski.keyId, false));
    const certificate = await x509.X509CertificateGenerator.create(
      { serialNumber: randomSerial(), subject: name, issuer: name, ...validityPeriod(days), publicKey: spki, signingKey: pair.privateKey, signingAlgorithm: signature.webCrypto, extensions },
      this.crypto,
    );
    await this.store({ label: key.label, id: parseKeyHandleId(use.handleId).id }, certificate);
    return { label: key.label, pem: certificate.toString("pem"), keyVersion: use.keyVersion };
  }

  /** Issues a certificate for a CSR, signed by the key's current version under its stored CA certificate. */
  async signCsr(input: SignCsrInput, context: OperationContext): Promise<Issued> {
    const { key, use, signature, pair } = await this.signingKey(input.label, input.signatureAlgorithm, context, input.password);
    const caCertificate = await this.certificateOf(key.label, parseKeyHandleId(use.handleId).id);
    if (!caCertificate) {
      throw new SignetError("certificateNotFound", `key "${key.label}" has no certificate for its current version to issue under; selfsign or import one`);
    }
    const constraints = caCertificate.getExtension(OID.basicConstraints) as x509.BasicConstraintsExtension | null;
    if (!constraints?.ca) throw new SignetError("invalidCertificate", `the certificate of key "${key.label}" is not a CA certificate`);
    const csr = this.parseCsr(input.csr);
    await this.verifyCsr(csr);

    const days = validityDays(input.validity);
    let { notBefore, notAfter } = validityPeriod(days);
    if (notAfter > caCertificate.notAfter) notAfter = caCertificate.notAfter;
    if (notBefore >= notAfter) throw new SignetError("invalidCertificate", `the CA certificate of key "${key.label}" has expired`);
    const ski = await x509.SubjectKeyIdentifierExtension.create(csr.publicKey, false, this.crypto);
    const requestedSan = csr.getExtension(OID.subjectAltName);
    const extensions = this.profile(input.certificateAuthority === true, input, ski);
    if (!input.subjectAlternativeNames?.length && requestedSan) extensions.push(requestedSan);
    const caSki = caCertificate.getExtension(OID.subjectKeyIdentifier) as x509.SubjectKeyIdentifierExtension | null;
    extensions.push(caSki ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false) : await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey, false, this.crypto));
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerial(),
        subject: this.subjectFor(csr, input.commonName),
        issuer: caCertificate.subjectName,
        notBefore,
        notAfter,
        publicKey: csr.publicKey,
        signingKey: pair.privateKey,
        signingAlgorithm: signature.webCrypto,
        extensions,
      },
      this.crypto,
    );
    return { label: key.label, pem: certificate.toString("pem"), keyVersion: use.keyVersion };
  }

  /** Stores a given certificate beside the key version whose public key it certifies. */
  async importCertificate(label: string, bytes: Uint8Array, context: OperationContext): Promise<{ label: string; pem: string }> {
    const certificate = parseCertificate(bytes);
    checkNotBlocked(this.keys.cached(label) ?? (await this.keys.resolve(label)));
    const view = await this.keys.describe(label, context);
    const spki = Buffer.from(certificate.publicKey.rawData).toString("base64");
    const version = [...view.versions].reverse().find((v) => v.publicKey === spki);
    if (!version) throw new SignetError("invalidCertificate", `the certificate's public key is not that of any version of key "${label}"`);
    const stored = await this.keys.stored(label);
    const tokenId = stored.versions.find((v) => v.version === version.version)!.tokenId;
    await this.store({ label, id: tokenId }, certificate);
    return { label, pem: certificate.toString("pem") };
  }

  /** The certificate of the key's current version, or else of its newest version that has one. */
  async get(label: string, _context: OperationContext): Promise<{ label: string; pem: string }> {
    const stored = await this.keys.stored(label);
    const certificates = await this.signer.listCertificates(label);
    for (const version of [...stored.versions].sort((a, b) => b.version - a.version)) {
      const found = certificates.find((c) => c.id === version.tokenId);
      if (found) return { label, pem: new x509.X509Certificate(bufferOf(found.der)).toString("pem") };
    }
    throw new SignetError("certificateNotFound", `key "${label}" has no certificate`);
  }

  async delete(label: string, _context: OperationContext): Promise<void> {
    checkNotBlocked(this.keys.cached(label) ?? (await this.keys.resolve(label)));
    if ((await this.signer.destroyCertificates(label)) === 0) throw new SignetError("certificateNotFound", `key "${label}" has no certificate`);
  }

  /** Checks that a certificate certifies `spki` (for a key imported with its certificate). */
  checkCertificateFor(bytes: Uint8Array, spki: Uint8Array): x509.X509Certificate {
    const certificate = parseCertificate(bytes);
    if (!Buffer.from(certificate.publicKey.rawData).equals(Buffer.from(spki))) {
      throw new SignetError("invalidCertificate", "the certificate's public key is not the imported key's");
    }
    return certificate;
  }

  /** Stores a certificate checked by checkCertificateFor beside version 1 of a just imported key. */
  async storeFor(view: KeyView, certificate: x509.X509Certificate): Promise<void> {
    const stored = await this.keys.stored(view.label);
    await this.store({ label: view.label, id: stored.versions[0]!.tokenId }, certificate);
  }

  private async signingKey(label: string, algorithm: string, _context: OperationContext, password: string | null | undefined) {
    const key: ResolvedKey = this.keys.cached(label) ?? (await this.keys.resolve(label));
    await this.keys.passwords.check(key, password, _context, "certificate");
    const use: KeyUse = currentVersion(key);
    const signature: CertificateSignature = certificateSignature(algorithm, key);
    if (!key.flags.sign) throw new SignetError("operationForbiddenForKey", `key "${label}" does not have the sign attribute`);
    const view = await this.keys.describe(label, _context);
    const version = view.versions.find((v) => v.keyVersion === use.keyVersion);
    if (!version?.publicKey) throw new SignetError("operationForbiddenForKey", `key "${label}" has no public key to certify`);
    const spki = new Uint8Array(Buffer.from(version.publicKey, "base64"));
    const curve = view.curveOid ? curveByOid(view.curveOid) : undefined;
    const keyAlgorithm: KeyAlgorithm & { namedCurve?: string } = { name: signature.webCrypto.name };
    if (signature.keyType === "EC" && curve) keyAlgorithm.namedCurve = WEBCRYPTO_CURVE[curve.name]!;
    return { key, use, signature, spki, pair: hsmKeyPair(use.handleId, signature.name, keyAlgorithm, spki) };
  }

  private profile(ca: boolean, input: { keyUsage?: string[] | null; extendedKeyUsage?: string[] | null; subjectAlternativeNames?: string[] | null }, ski: x509.SubjectKeyIdentifierExtension): x509.Extension[] {
    const fallback = ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature;
    const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(ca, undefined, true), keyUsageExtension(input.keyUsage, fallback), ski];
    const eku = extendedKeyUsageExtension(input.extendedKeyUsage);
    if (eku) extensions.push(eku);
    const san = subjectAltNameExtension(input.subjectAlternativeNames);
    if (san) extensions.push(san);
    return extensions;
  }

  /** The CSR's subject, with its common name replaced when the request gives one (the TSB's commonName). */
  private subjectFor(csr: x509.Pkcs10CertificateRequest, commonName: string | null | undefined): x509.Name {
    if (!commonName) return csr.subjectName;
    const replacement = subjectName({ commonName }).toJSON();
    const others = csr.subjectName.toJSON().filter((entry) => !("CN" in entry) && !(NAME_ATTRIBUTES.commonName in entry));
    return new x509.Name([...others, ...replacement]);
  }

  private parseCsr(bytes: Uint8Array): x509.Pkcs10CertificateRequest {
    try {
      return new x509.Pkcs10CertificateRequest(bufferOf(derOf(bytes, "CERTIFICATE REQUEST")));
    } catch {
      throw new SignetError("invalidCsr", "certificateSigningRequest is not a PKCS#10 certificate request (PEM or base64 DER)");
    }
  }

  /** A CSR's own signature must verify; secp256k1 ones (unknown to WebCrypto) are checked with @noble/curves. */
  private async verifyCsr(csr: x509.Pkcs10CertificateRequest): Promise<void> {
    let valid = false;
    try {
      const algorithm = csr.publicKey.algorithm as { name: string; namedCurve?: string };
      if (algorithm.name === "ECDSA" && algorithm.namedCurve === "K-256") {
        valid = verifySecp256k1(csr);
      } else {
        valid = await csr.verify();
      }
    } catch {
      valid = false;
    }
    if (!valid) throw new SignetError("invalidCsr", "the signature of the certificateSigningRequest does not verify");
  }

  private async certificateOf(label: string, tokenId: string): Promise<x509.X509Certificate | null> {
    const found = (await this.signer.listCertificates(label)).find((c) => c.id === tokenId);
    return found ? new x509.X509Certificate(bufferOf(found.der)) : null;
  }

  private async store(ref: { label: string; id: string }, certificate: x509.X509Certificate): Promise<void> {
    const serial = Buffer.from(certificate.serialNumber, "hex");
    await this.signer.storeCertificate(ref, {
      der: new Uint8Array(certificate.rawData),
      subject: new Uint8Array(certificate.subjectName.toArrayBuffer()),
      issuer: new Uint8Array(certificate.issuerName.toArrayBuffer()),
      serialNumber: new Uint8Array(Buffer.concat([Buffer.from([0x02, serial.length]), serial])),
    });
  }
}

export function parseCertificate(bytes: Uint8Array): x509.X509Certificate {
  try {
    return new x509.X509Certificate(bufferOf(derOf(bytes, "CERTIFICATE")));
  } catch {
    throw new SignetError("invalidCertificateEncoding", "certificate is not an X.509 certificate (PEM or base64 DER)");
  }
}

/** A secp256k1 CSR's ECDSA signature, over the DER CertificationRequestInfo, with the hash its algorithm names. */
function verifySecp256k1(csr: x509.Pkcs10CertificateRequest): boolean {
  const request = AsnConvert.parse(csr.rawData, CertificationRequest);
  const hash = ECDSA_HASH[request.signatureAlgorithm.algorithm];
  if (!hash) return false;
  const digest = createHash(hash).update(new Uint8Array(AsnConvert.serialize(request.certificationRequestInfo))).digest();
  const point = new Uint8Array(request.certificationRequestInfo.subjectPKInfo.subjectPublicKey);
  return secp256k1.verify(new Uint8Array(request.signature), digest, point, { prehash: false, lowS: false, format: "der" });
}

function bufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

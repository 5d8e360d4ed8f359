/**
 * Client certificates for mutual TLS: what Signet reads from one (thumbprint, subject,
 * validity, key usages) and whether it may authenticate a client.
 *
 * A certificate is accepted when all of these hold:
 * - it is within its validity period (checked on every request, not only at the handshake,
 *   so a long-lived connection does not outlive its certificate);
 * - if it has an extended key usage extension, that lists clientAuth; if it has a key usage
 *   extension, that allows digitalSignature or keyAgreement (RFC 5280 4.2.1.3, 4.2.1.12);
 * - it is trusted: its chain was verified by the TLS stack against the configured CA bundle,
 *   or its SHA-256 thumbprint is configured, or it is registered as a client's credential.
 */
import { createHash } from "node:crypto";
import type { Certificate, Name } from "@peculiar/asn1-x509";
import { SignetError } from "../../errors";
import { asn1Schemas, type Asn1Schemas } from "../asn1-schemas";

export interface CertificateFacts {
  /** SHA-256 of the DER certificate, lowercase hex. */
  thumbprint: string;
  subject: string;
  notBefore: number;
  notAfter: number;
  /** Why the certificate cannot authenticate a TLS client, or null when its usages allow it. */
  usageProblem: string | null;
}

/** What the TLS listener saw: the peer's DER certificate and whether its chain verified. */
export interface PresentedCertificate {
  der: Uint8Array;
  chainVerified: boolean;
}

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "serialNumber",
  "1.2.840.113549.1.9.1": "emailAddress",
};

function nameText(name: Name): string {
  return name
    .map((rdn) => rdn.map((attribute) => `${SHORT_NAMES[attribute.type] ?? attribute.type}=${attribute.value.toString()}`).join("+"))
    .join(", ");
}

function usageProblem(certificate: Certificate, { schema: { AsnConvert }, x509 }: Asn1Schemas): string | null {
  for (const extension of certificate.tbsCertificate.extensions ?? []) {
    const value = extension.extnValue.buffer;
    if (extension.extnID === x509.id_ce_extKeyUsage) {
      const usages = AsnConvert.parse(value, x509.ExtendedKeyUsage);
      if (!usages.includes(x509.id_kp_clientAuth)) return "its extended key usage does not include clientAuth";
    } else if (extension.extnID === x509.id_ce_keyUsage) {
      const flags = AsnConvert.parse(value, x509.KeyUsage).toNumber();
      if (!(flags & x509.KeyUsageFlags.digitalSignature) && !(flags & x509.KeyUsageFlags.keyAgreement)) {
        return "its key usage allows neither digitalSignature nor keyAgreement";
      }
    }
  }
  return null;
}

/** Reads a DER certificate. Throws inputValidation when it is not one. */
export function certificateFacts(der: Uint8Array): CertificateFacts {
  const parser = asn1Schemas();
  let certificate: Certificate;
  try {
    certificate = parser.schema.AsnConvert.parse(der, parser.x509.Certificate);
  } catch {
    throw new SignetError("inputValidation", "the certificate is not a DER or PEM X.509 certificate");
  }
  const validity = certificate.tbsCertificate.validity;
  return {
    thumbprint: createHash("sha256").update(der).digest("hex"),
    subject: nameText(certificate.tbsCertificate.subject),
    notBefore: validity.notBefore.getTime().getTime(),
    notAfter: validity.notAfter.getTime().getTime(),
    usageProblem: usageProblem(certificate, parser),
  };
}

/** A certificate given by an administrator: PEM, or base64 of the DER. */
export function decodeCertificateText(text: string): Uint8Array {
  const pem = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(text);
  const base64 = (pem ? pem[1]! : text).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new SignetError("inputValidation", "the certificate is not PEM or base64 DER");
  return new Uint8Array(Buffer.from(base64, "base64"));
}

export interface CertificateTrust {
  /** A CA bundle is configured, so a chain the TLS stack verified counts. */
  caConfigured: boolean;
  /** Thumbprints configured as trusted, lowercase hex. */
  thumbprints: ReadonlySet<string>;
}

/**
 * Checks a presented certificate against the validity, usage and trust rules above. Returns
 * its facts, or throws clientCertificateRejected. `registered` tells whether a thumbprint is a
 * client's certificate credential (which trusts it without a CA).
 */
export function checkClientCertificate(
  presented: PresentedCertificate,
  facts: CertificateFacts,
  trust: CertificateTrust,
  registered: (thumbprint: string) => boolean,
  now: number,
): CertificateFacts {
  if (now < facts.notBefore) throw new SignetError("clientCertificateRejected", "the client certificate is not yet valid");
  if (now > facts.notAfter) throw new SignetError("clientCertificateRejected", "the client certificate has expired");
  if (facts.usageProblem) throw new SignetError("clientCertificateRejected", `the client certificate cannot authenticate a TLS client: ${facts.usageProblem}`);
  const trusted = (trust.caConfigured && presented.chainVerified) || trust.thumbprints.has(facts.thumbprint) || registered(facts.thumbprint);
  if (!trusted) {
    throw new SignetError("clientCertificateRejected", "the client certificate is neither issued by a trusted CA nor registered by its thumbprint");
  }
  return facts;
}

/** Request and response schemas of the certificate routes, in the Securosys TSB shape. */
import { t } from "elysia";
import { KeyPassword } from "./signing.model";

const optionalString = (description: string, maxLength = 256) => t.Optional(t.Union([t.String({ maxLength, description }), t.Null()]));

export const StandardCertificateAttributes = t.Object(
  {
    commonName: optionalString("CN"),
    country: optionalString("C: two capital letters", 2),
    stateOrProvinceName: optionalString("ST"),
    locality: optionalString("L"),
    organizationName: optionalString("O"),
    organization: optionalString("O (alias of organizationName)"),
    organizationUnitName: optionalString("OU"),
    email: optionalString("emailAddress"),
    title: optionalString("title"),
    surname: optionalString("SN"),
    givenName: optionalString("givenName"),
    initials: optionalString("initials"),
    pseudonym: optionalString("pseudonym"),
    generationQualifier: optionalString("generationQualifier"),
  },
  { description: "The subject's name attributes; commonName is required." },
);

const usages = (description: string) => t.Optional(t.Union([t.Array(t.String({ maxLength: 512 }), { maxItems: 32, description }), t.Null()]));
const keyUsage = usages(
  "DIGITAL_SIGNATURE, CONTENT_COMMITMENT, KEY_ENCIPHERMENT, DATA_ENCIPHERMENT, KEY_AGREEMENT, KEY_CERT_SIGN, CRL_SIGN, ENCIPHER_ONLY, DECIPHER_ONLY; " +
    "one per item or comma-separated. Default: DIGITAL_SIGNATURE (and KEY_CERT_SIGN, CRL_SIGN for a CA).",
);
const extendedKeyUsage = usages(
  "ANY_EXTENDED_KEY_USAGE, SERVER_AUTH, CLIENT_AUTH, CODE_SIGNING, EMAIL_PROTECTION, TIME_STAMPING, OCSP_SIGNING; one per item or comma-separated.",
);
const subjectAlternativeNames = t.Optional(
  t.Union([t.Array(t.String({ maxLength: 512 }), { maxItems: 100, description: "Signet extension: \"DNS:host.example\", \"IP:192.0.2.1\", \"EMAIL:a@b.example\", \"URI:https://...\"." }), t.Null()]),
);
const signKeyName = t.String({ minLength: 1, maxLength: 255, description: "Label of the HSM key that signs.", examples: ["issuing-ca"] });
const signatureAlgorithm = t.String({
  maxLength: 64,
  description: "SHA256|SHA384|SHA512_WITH_RSA, SHA256|SHA384|SHA512_WITH_RSA_PSS, SHA256|SHA384|SHA512_WITH_ECDSA, or EDDSA; it must fit the key.",
  examples: ["SHA256_WITH_ECDSA"],
});
const validity = t.Optional(t.Union([t.Integer({ description: "Days the certificate is valid (1 to 36500; default 365)." }), t.Null()]));
const certificateAuthority = t.Optional(t.Union([t.Boolean({ description: "Issue a CA certificate (basic constraints cA, critical)." }), t.Null()]));

export const CsrBody = t.Object({
  signKeyName,
  keyPassword: KeyPassword,
  signatureAlgorithm,
  validity: t.Optional(t.Unknown({ description: "Accepted and ignored: a CSR has no validity." })),
  standardCertificateAttributes: StandardCertificateAttributes,
  keyUsage,
  extendedKeyUsage,
  subjectAlternativeNames,
});

export const CsrResponse = t.Object({
  label: t.String(),
  certificateSigningRequest: t.String({ description: "The PKCS#10 request, PEM." }),
  keyVersion: t.String({ examples: ["v1"] }),
});

export const SelfSignBody = t.Object({
  signKeyName,
  keyPassword: KeyPassword,
  signatureAlgorithm,
  validity,
  commonName: optionalString("CN of the subject (and issuer); or give standardCertificateAttributes."),
  standardCertificateAttributes: t.Optional(t.Union([StandardCertificateAttributes, t.Null()])),
  keyUsage,
  extendedKeyUsage,
  certificateAuthority,
  subjectAlternativeNames,
});

export const SignCsrBody = t.Object({
  signKeyName,
  keyPassword: KeyPassword,
  signatureAlgorithm,
  certificateSigningRequest: t.String({ maxLength: 65536, description: "The PKCS#10 request, PEM or base64 DER." }),
  commonName: optionalString("Replaces the CN of the request's subject."),
  validity,
  keyUsage,
  extendedKeyUsage,
  certificateAuthority,
  subjectAlternativeNames,
});

export const CertificateResponse = t.Object({
  label: t.String({ description: "Label of the key that signed it (or it belongs to)." }),
  certificate: t.String({ description: "The X.509 certificate, PEM." }),
  keyVersion: t.Optional(t.String({ examples: ["v1"] })),
});

export const ImportCertificateBody = t.Object({
  label: t.String({ minLength: 1, maxLength: 255, description: "Label of the key the certificate belongs to." }),
  certificate: t.String({ maxLength: 65536, description: "The X.509 certificate, PEM or base64 DER; its public key must be one of the key's versions'." }),
});

/**
 * Certificate routes: CSR, self-signed certificate, certificate issued from a CSR by an HSM CA
 * key, and the certificate stored beside a key (import, read, delete). Role: keyOperation, as
 * /v1/certificate/** in the TSB.
 */
import { Elysia, type Static } from "elysia";
import type { CertificateService } from "../../domain/certificates/certificate-service";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { decodeBase64 } from "../encoding";
import { CertificateResponse, CsrBody, CsrResponse, ImportCertificateBody, SelfSignBody, SignCsrBody } from "./certificates.model";
import { LabelParams } from "./keys.model";

const TAGS = ["Certificate"];

/** PEM stays text; anything else is base64 DER. */
export function pemOrBase64(value: string, field: string): Uint8Array {
  return value.includes("-----BEGIN") ? new TextEncoder().encode(value) : decodeBase64(value.replace(/\s+/g, ""), field);
}

/** The fields of an issued certificate that the self-sign and CSR-signing bodies share. */
function issuance(body: Static<typeof SelfSignBody> | Static<typeof SignCsrBody>) {
  return {
    keyUsage: body.keyUsage,
    extendedKeyUsage: body.extendedKeyUsage,
    subjectAlternativeNames: body.subjectAlternativeNames,
    validity: body.validity,
    certificateAuthority: body.certificateAuthority,
    password: passwordOf(body.keyPassword, "keyPassword"),
  };
}

export function certificateRoutes(auth: ReturnType<typeof authPlugin>, certificates: CertificateService) {
  return new Elysia({ name: "signet.routes.certificates" })
    .use(auth)
    .post(
      "/v1/certificate/synchronous/request",
      async ({ body, context }) => {
        const issued = await certificates.request(
          {
            label: body.signKeyName,
            signatureAlgorithm: body.signatureAlgorithm,
            attributes: body.standardCertificateAttributes,
            keyUsage: body.keyUsage,
            extendedKeyUsage: body.extendedKeyUsage,
            subjectAlternativeNames: body.subjectAlternativeNames,
            password: passwordOf(body.keyPassword, "keyPassword"),
          },
          context,
        );
        return { label: issued.label, certificateSigningRequest: issued.pem, keyVersion: issued.keyVersion };
      },
      {
        role: { role: "keyOperation", scope: "certificate:issue" },
        parse: "json",
        body: CsrBody,
        response: withErrors(CsrResponse, "The certificate signing request."),
        detail: {
          tags: TAGS,
          operationId: "synchronousCreateCertificateRequest",
          summary: "Create a PKCS#10 request for an HSM key",
          description: "A CSR for the key's current version, signed by it in the HSM, with the subject, key usages and subject alternative names asked for.",
        },
      },
    )
    .post(
      "/v1/certificate/synchronous/selfsign",
      async ({ body, context }) => {
        const issued = await certificates.selfSign(
          {
            label: body.signKeyName,
            signatureAlgorithm: body.signatureAlgorithm,
            attributes: { ...(body.standardCertificateAttributes ?? {}), ...(body.commonName ? { commonName: body.commonName } : {}) },
            ...issuance(body),
          },
          context,
        );
        return { label: issued.label, certificate: issued.pem, keyVersion: issued.keyVersion };
      },
      {
        role: { role: "keyOperation", scope: "certificate:issue" },
        parse: "json",
        body: SelfSignBody,
        response: withErrors(CertificateResponse, "The self-signed certificate."),
        detail: {
          tags: TAGS,
          operationId: "selfSignCertificate",
          summary: "Create a self-signed certificate for an HSM key",
          description:
            "Signed by the key's current version in the HSM (random 128-bit serial, SKI = AKI, basic constraints, key usages); stored beside the " +
            "key, replacing the certificate it had, so that a CA key can issue under it.",
        },
      },
    )
    .post(
      "/v1/certificate/synchronous/sign",
      async ({ body, context }) => {
        const issued = await certificates.signCsr(
          {
            label: body.signKeyName,
            signatureAlgorithm: body.signatureAlgorithm,
            csr: pemOrBase64(body.certificateSigningRequest, "certificateSigningRequest"),
            commonName: body.commonName,
            ...issuance(body),
          },
          context,
        );
        return { label: issued.label, certificate: issued.pem, keyVersion: issued.keyVersion };
      },
      {
        role: { role: "keyOperation", scope: "certificate:issue" },
        parse: "json",
        body: SignCsrBody,
        response: withErrors(CertificateResponse, "The issued certificate."),
        detail: {
          tags: TAGS,
          operationId: "signCertificate",
          summary: "Issue a certificate for a CSR with an HSM CA key",
          description:
            "The CSR's signature must verify. The certificate is issued under the CA certificate stored beside the key's current version (selfsign " +
            "or import one first): the CA's subject as issuer, a random 128-bit serial, SKI and AKI, basic constraints, the key usages asked for, " +
            "the CSR's subject alternative names unless the request gives some, and a validity that ends no later than the CA certificate's.",
        },
      },
    )
    .post(
      "/v1/certificate/import/plain",
      async ({ body, context }) => {
        const stored = await certificates.importCertificate(body.label, pemOrBase64(body.certificate, "certificate"), context);
        return { label: stored.label, certificate: stored.pem };
      },
      {
        role: { role: "keyOperation", scope: "certificate:issue" },
        parse: "json",
        body: ImportCertificateBody,
        response: withErrors(CertificateResponse, "The stored certificate."),
        detail: {
          tags: TAGS,
          operationId: "importPlainCertificate",
          summary: "Store a certificate beside its key",
          description: "Stored as a CKO_CERTIFICATE with the key's label and the CKA_ID of the key version whose public key it certifies.",
        },
      },
    )
    .get(
      "/v1/certificate/:label",
      async ({ params, context }) => {
        const stored = await certificates.get(params.label, context);
        return { label: stored.label, certificate: stored.pem };
      },
      {
        role: { role: "keyOperation", scope: "certificate:read" },
        params: LabelParams,
        response: withErrors(CertificateResponse, "The key's certificate."),
        detail: { tags: TAGS, operationId: "getCertificate", summary: "Read the certificate stored beside a key" },
      },
    )
    .delete(
      "/v1/certificate/:label",
      async ({ params, context, set }) => {
        await certificates.delete(params.label, context);
        set.status = 200;
        return null;
      },
      {
        role: { role: "keyOperation", scope: "certificate:issue" },
        params: LabelParams,
        detail: { tags: TAGS, operationId: "deleteCertificate", summary: "Delete the certificates stored beside a key" },
      },
    );
}

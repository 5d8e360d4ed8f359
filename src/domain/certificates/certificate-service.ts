/**
 * Certificates bound to keys: the service the routes and key import call. The work is done by
 * certificate-engine.ts, loaded the first time a certificate is asked for: @peculiar/x509 and
 * its ASN.1 schemas take as long to load as the rest of Signet's start-up, and an edge
 * deployment that never touches certificates should not wait for them.
 *
 * Here too each use of a key is checked against the caller's allow-list, and every issuance,
 * import and deletion is recorded in the audit log, the certificate by its SHA-256
 * fingerprint (subject names can be personal data).
 */
import { hash } from "node:crypto";
import type { AuditRecorder } from "../../audit/audit-log";
import type { Signer } from "../../signer/signer";
import { requireKey } from "../access/key-grant";
import { keyEvent, recorded } from "../audit/recorded";
import type { OperationContext } from "../context";
import type { KeyService, KeyView } from "../keys/key-service";
import type { CertificateEngine, CsrInput, Issued, SelfSignInput, SignCsrInput } from "./certificate-engine";

export type { CsrInput, Issued, SelfSignInput, SignCsrInput } from "./certificate-engine";

/** A certificate checked against a key (opaque outside this module). */
export type CheckedCertificate = ReturnType<CertificateEngine["checkCertificateFor"]>;

export class CertificateService {
  private engine: Promise<CertificateEngine> | null = null;

  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly audit: AuditRecorder,
  ) {}

  request(input: CsrInput, context: OperationContext): Promise<Issued> {
    requireKey(context, input.label);
    return this.issued("certificate.request", input.label, context, async () => (await this.load()).request(input, context));
  }

  selfSign(input: SelfSignInput, context: OperationContext): Promise<Issued> {
    requireKey(context, input.label);
    return this.issued("certificate.selfSign", input.label, context, async () => (await this.load()).selfSign(input, context));
  }

  /** Recorded under the CA key: an issuance by the key that signed. */
  signCsr(input: SignCsrInput, context: OperationContext): Promise<Issued> {
    requireKey(context, input.label);
    return this.issued("certificate.issue", input.label, context, async () => (await this.load()).signCsr(input, context));
  }

  importCertificate(label: string, bytes: Uint8Array, context: OperationContext): Promise<{ label: string; pem: string }> {
    requireKey(context, label);
    return recorded(this.audit, context, keyEvent("certificate.import", label), async () => (await this.load()).importCertificate(label, bytes, context), (out) => ({
      pemSha256: hash("sha256", out.pem, "hex"),
    }));
  }

  async get(label: string, context: OperationContext): Promise<{ label: string; pem: string }> {
    requireKey(context, label);
    return (await this.load()).get(label, context);
  }

  delete(label: string, context: OperationContext): Promise<void> {
    requireKey(context, label);
    return recorded(this.audit, context, keyEvent("certificate.delete", label), async () => (await this.load()).delete(label, context));
  }

  private issued(action: string, label: string, context: OperationContext, issue: () => Promise<Issued>): Promise<Issued> {
    return recorded(this.audit, context, keyEvent(action, label), issue, (out) => ({ keyVersion: out.keyVersion, pemSha256: hash("sha256", out.pem, "hex") }));
  }

  /** Checks that a certificate (PEM or DER bytes) certifies `spki`. */
  async checkCertificateFor(bytes: Uint8Array, spki: Uint8Array): Promise<CheckedCertificate> {
    return (await this.load()).checkCertificateFor(bytes, spki);
  }

  /** Stores a checked certificate beside version 1 of a just imported key. */
  async storeFor(view: KeyView, certificate: CheckedCertificate): Promise<void> {
    return (await this.load()).storeFor(view, certificate);
  }

  private load(): Promise<CertificateEngine> {
    this.engine ??= import("./certificate-engine").then((module) => new module.CertificateEngine(this.keys, this.signer));
    return this.engine;
  }
}

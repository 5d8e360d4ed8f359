/**
 * Certificates bound to keys: the service the routes and key import call. The work is done by
 * certificate-engine.ts, loaded the first time a certificate is asked for: @peculiar/x509 and
 * its ASN.1 schemas take as long to load as the rest of Signet's start-up, and an edge
 * deployment that never touches certificates should not wait for them.
 */
import type { Signer } from "../../signer/signer";
import type { OperationContext } from "../context";
import type { KeyService, KeyView } from "../keys/key-service";
import type { CertificateEngine, CsrInput, Issued, SelfSignInput, SignCsrInput } from "./certificate-engine";

export type { CsrInput, Issued, SelfSignInput, SignCsrInput } from "./certificate-engine";

/** A certificate checked against a key (opaque outside this module). */
export type CheckedCertificate = ReturnType<CertificateEngine["checkCertificateFor"]>;

export class CertificateService {
  private engine: Promise<CertificateEngine> | null = null;

  constructor(private readonly keys: KeyService, private readonly signer: Signer) {}

  async request(input: CsrInput, context: OperationContext): Promise<Issued> {
    return (await this.load()).request(input, context);
  }

  async selfSign(input: SelfSignInput, context: OperationContext): Promise<Issued> {
    return (await this.load()).selfSign(input, context);
  }

  async signCsr(input: SignCsrInput, context: OperationContext): Promise<Issued> {
    return (await this.load()).signCsr(input, context);
  }

  async importCertificate(label: string, bytes: Uint8Array, context: OperationContext): Promise<{ label: string; pem: string }> {
    return (await this.load()).importCertificate(label, bytes, context);
  }

  async get(label: string, context: OperationContext): Promise<{ label: string; pem: string }> {
    return (await this.load()).get(label, context);
  }

  async delete(label: string, context: OperationContext): Promise<void> {
    return (await this.load()).delete(label, context);
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

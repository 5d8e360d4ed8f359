/**
 * Test certificates, made with @peculiar/x509 over WebCrypto (P-256): CAs, TLS server
 * certificates and client certificates with any validity period and key usage, including
 * the expired and wrongly-used ones OpenSSL 3.0's command line cannot make directly.
 */
import "reflect-metadata";
import { createHash } from "node:crypto";
import * as x509 from "@peculiar/x509";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const DAY = 86_400_000;

export interface Issued {
  certPem: string;
  keyPem: string;
  der: Uint8Array;
  /** SHA-256 of the DER, lowercase hex. */
  thumbprint: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function issued(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<Issued> {
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const der = new Uint8Array(cert.rawData);
  return {
    certPem: cert.toString("pem"),
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64").replace(/(.{64})/g, "$1\n").trim()}\n-----END PRIVATE KEY-----\n`,
    der,
    thumbprint: createHash("sha256").update(der).digest("hex"),
    cert,
    keys,
  };
}

export async function makeCa(name: string): Promise<Issued> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return issued(cert, keys);
}

export interface CertOptions {
  subject: string;
  /** Omit for a self-signed certificate. */
  issuer?: Issued;
  notBefore?: Date;
  notAfter?: Date;
  /** Extended key usages; null for none at all. Default: clientAuth. */
  eku?: string[] | null;
  dns?: string[];
  ips?: string[];
}

export const EKU = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2" };

export async function makeCert(options: CertOptions): Promise<Issued> {
  const keys = await keyPair();
  const eku = options.eku === undefined ? [EKU.clientAuth] : options.eku;
  const extensions: x509.Extension[] = [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)];
  if (eku) extensions.push(new x509.ExtendedKeyUsageExtension(eku, false));
  if (options.dns || options.ips) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...(options.dns ?? []).map((value) => ({ type: "dns" as const, value })),
        ...(options.ips ?? []).map((value) => ({ type: "ip" as const, value })),
      ]),
    );
  }
  const base = {
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 30 * DAY),
    signingAlgorithm: ALGORITHM,
    extensions,
  };
  const cert = options.issuer
    ? await x509.X509CertificateGenerator.create({
        ...base,
        subject: `CN=${options.subject}`,
        issuer: options.issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: options.issuer.keys.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...base, name: `CN=${options.subject}`, keys });
  return issued(cert, keys);
}

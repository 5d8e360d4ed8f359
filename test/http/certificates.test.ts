/**
 * Certificates through the real server, every CSR and certificate checked with the openssl
 * command line: CSRs for each key type (`openssl req -verify`), a self-signed CA certificate
 * and certificates it issues for HSM keys and for a CSR openssl made itself (`openssl verify`),
 * and the certificate stored beside a key.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { nodeCrypto } from "../support/verifier";
import { openssl, publicKeyOf } from "../support/openssl";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

let signet: RunningSignet;
const spki = new Map<string, string>();
const subject = { commonName: "leaf.signet.example", organizationName: "Signet Test", country: "CH", organizationUnitName: "PKI", email: "pki@signet.example" };

const csrFor = (signKeyName: string, signatureAlgorithm: string, extra: Record<string, unknown> = {}) =>
  signet.json("POST", "/v1/certificate/synchronous/request", { signKeyName, signatureAlgorithm, standardCertificateAttributes: { ...subject, commonName: signKeyName }, ...extra });
const selfSign = (signKeyName: string, signatureAlgorithm: string, extra: Record<string, unknown> = {}) =>
  signet.json("POST", "/v1/certificate/synchronous/selfsign", { signKeyName, signatureAlgorithm, validity: 3650, commonName: `${signKeyName} CA`, certificateAuthority: true, ...extra });
const signCsr = (signKeyName: string, signatureAlgorithm: string, certificateSigningRequest: string, extra: Record<string, unknown> = {}) =>
  signet.json("POST", "/v1/certificate/synchronous/sign", { signKeyName, signatureAlgorithm, certificateSigningRequest, validity: 365, ...extra });

function verifyChain(ca: string, leaf: string): string {
  const result = openssl(["verify", "-CAfile", "{ca.pem}", "{leaf.pem}"], { "ca.pem": ca, "leaf.pem": leaf });
  expect({ code: result.code, out: result.out }).toEqual({ code: 0, out: expect.stringContaining("OK") });
  return result.out;
}

function text(pem: string, kind: "x509" | "req" = "x509"): string {
  return openssl([kind, "-in", "{in.pem}", "-noout", "-text"], { "in.pem": pem }).out;
}

beforeAll(async () => {
  signet = await startSignet();
  for (const key of [
    { label: "ca-ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
    { label: "ca-rsa", algorithm: "RSA", keySize: 3072 },
    { label: "leaf-p384", algorithm: "EC", curveOid: "1.3.132.0.34" },
    { label: "leaf-p521", algorithm: "EC", curveOid: "1.3.132.0.35" },
    { label: "leaf-rsa", algorithm: "RSA", keySize: 2048 },
    { label: "leaf-ed", algorithm: "ED" },
    { label: "leaf-k1", algorithm: "EC", curveOid: "1.3.132.0.10" },
    { label: "not-a-ca", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
    { label: "no-cert", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
  ]) {
    const created = await signet.json("POST", "/v1/key", key);
    expect(created.status).toBe(200);
    spki.set(key.label, created.body.json.publicKey);
  }
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("certificate signing requests", () => {
  test("a CSR for every key type verifies with openssl and carries the key's public key, subject and extensions", async () => {
    for (const [label, algorithm] of [
      ["leaf-p384", "SHA384_WITH_ECDSA"],
      ["leaf-p521", "SHA512_WITH_ECDSA"],
      ["leaf-rsa", "SHA256_WITH_RSA"],
      ["leaf-rsa", "SHA512_WITH_RSA_PSS"],
      ["leaf-ed", "EDDSA"],
      ["leaf-k1", "SHA256_WITH_ECDSA"],
    ] as const) {
      const { status, body } = await csrFor(label, algorithm, {
        keyUsage: ["DIGITAL_SIGNATURE,KEY_AGREEMENT"],
        extendedKeyUsage: ["SERVER_AUTH", "CLIENT_AUTH"],
        subjectAlternativeNames: [`DNS:${label}.signet.example`, "IP:192.0.2.7"],
      });
      expect({ label, algorithm, status }).toEqual({ label, algorithm, status: 200 });
      expect(body).toMatchObject({ label, keyVersion: "v1" });
      const pem = body.certificateSigningRequest as string;
      expect(pem).toStartWith("-----BEGIN CERTIFICATE REQUEST-----");
      const verified = openssl(["req", "-in", "{csr.pem}", "-noout", "-verify"], { "csr.pem": pem });
      expect({ label, algorithm, code: verified.code, out: verified.out }).toEqual({ label, algorithm, code: 0, out: expect.stringMatching(/verify OK/i) });
      expect(publicKeyOf(pem, "req")).toBe(spki.get(label)!);
      const dump = text(pem, "req");
      expect(dump).toContain(`CN = ${label}`);
      expect(dump).toContain("O = Signet Test");
      expect(dump).toContain(`DNS:${label}.signet.example`);
      expect(dump).toContain("IP Address:192.0.2.7");
      expect(dump).toContain("TLS Web Server Authentication");
    }
  });
});

describe("self-signed and issued certificates", () => {
  let caEc = "";
  let caRsa = "";

  test("a self-signed CA certificate verifies with openssl, is a CA, and is stored beside its key", async () => {
    const ec = await selfSign("ca-ec", "SHA256_WITH_ECDSA");
    expect(ec.status).toBe(200);
    caEc = ec.body.certificate;
    const rsa = await selfSign("ca-rsa", "SHA384_WITH_RSA_PSS", { standardCertificateAttributes: { ...subject, commonName: "ignored" }, commonName: "RSA Root" });
    expect(rsa.status).toBe(200);
    caRsa = rsa.body.certificate;
    for (const [pem, label] of [[caEc, "ca-ec"], [caRsa, "ca-rsa"]] as const) {
      verifyChain(pem, pem);
      const dump = text(pem);
      expect(dump).toContain("CA:TRUE");
      expect(dump).toContain("Certificate Sign");
      expect(publicKeyOf(pem, "x509")).toBe(spki.get(label)!);
      const stored = await signet.json("GET", `/v1/certificate/${label}`);
      expect(stored.body).toEqual({ label, certificate: pem });
    }
    expect(text(caRsa)).toContain("CN = RSA Root");
  });

  test("certificates the CA keys issue for HSM keys' CSRs verify with openssl against the CA certificates", async () => {
    for (const [ca, caAlgorithm, leaf, leafAlgorithm] of [
      ["ca-ec", "SHA256_WITH_ECDSA", "leaf-p384", "SHA384_WITH_ECDSA"],
      ["ca-ec", "SHA384_WITH_ECDSA", "leaf-k1", "SHA256_WITH_ECDSA"],
      ["ca-rsa", "SHA256_WITH_RSA", "leaf-ed", "EDDSA"],
      ["ca-rsa", "SHA512_WITH_RSA_PSS", "leaf-rsa", "SHA256_WITH_RSA"],
    ] as const) {
      const csr = (await csrFor(leaf, leafAlgorithm, { subjectAlternativeNames: [`DNS:${leaf}.signet.example`] })).body.certificateSigningRequest;
      const issued = await signCsr(ca, caAlgorithm, csr, { keyUsage: ["DIGITAL_SIGNATURE"], extendedKeyUsage: ["CLIENT_AUTH"] });
      expect({ ca, leaf, status: issued.status }).toEqual({ ca, leaf, status: 200 });
      const pem = issued.body.certificate as string;
      verifyChain(ca === "ca-ec" ? caEc : caRsa, pem);
      expect(publicKeyOf(pem, "x509")).toBe(spki.get(leaf)!);
      const dump = text(pem);
      expect(dump).toContain("CA:FALSE");
      expect(dump).toContain(`DNS:${leaf}.signet.example`);
      expect(dump).toContain("TLS Web Client Authentication");
      // A random 128-bit serial, and the CA's key identifier as authority key identifier.
      const serial = openssl(["x509", "-in", "{c.pem}", "-noout", "-serial"], { "c.pem": pem }).out.trim().replace("serial=", "");
      expect(serial.length).toBeGreaterThanOrEqual(31);
      const caSki = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(text(ca === "ca-ec" ? caEc : caRsa))![1];
      expect(dump).toContain(caSki!);
    }
  });

  test("a CSR openssl made with its own key is issued, verifies, and keeps openssl's subject unless a commonName replaces it", async () => {
    const key = openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]).out;
    const csr = openssl(["req", "-new", "-key", "{k.pem}", "-subj", "/C=CH/O=Outside/CN=outside.example", "-addext", "subjectAltName=DNS:outside.example"], { "k.pem": key }).out;
    const issued = await signCsr("ca-ec", "SHA256_WITH_ECDSA", csr);
    expect(issued.status).toBe(200);
    verifyChain(caEc, issued.body.certificate);
    const dump = text(issued.body.certificate);
    expect(dump).toContain("CN = outside.example");
    expect(dump).toContain("DNS:outside.example");
    // The same CSR as base64 DER, with the TSB's commonName replacing the subject's.
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ""), "base64").toString("base64");
    const renamed = await signCsr("ca-ec", "SHA256_WITH_ECDSA", der, { commonName: "renamed.example" });
    expect(renamed.status).toBe(200);
    verifyChain(caEc, renamed.body.certificate);
    expect(text(renamed.body.certificate)).toMatch(/Subject: C = CH, O = Outside, CN = renamed\.example/);
  });

  test("an issued certificate does not outlive its CA certificate", async () => {
    const csr = (await csrFor("leaf-p384", "SHA384_WITH_ECDSA")).body.certificateSigningRequest;
    const shortCa = await selfSign("not-a-ca", "SHA256_WITH_ECDSA", { validity: 2 });
    const issued = await signCsr("not-a-ca", "SHA256_WITH_ECDSA", csr, { validity: 3650 });
    verifyChain(shortCa.body.certificate, issued.body.certificate);
    const end = (pem: string) => openssl(["x509", "-in", "{c.pem}", "-noout", "-enddate"], { "c.pem": pem }).out.trim();
    expect(end(issued.body.certificate)).toBe(end(shortCa.body.certificate));
    // Put back a non-CA certificate for the refusals below.
    expect((await selfSign("not-a-ca", "SHA256_WITH_ECDSA", { certificateAuthority: false })).status).toBe(200);
  });

  test("refusals, each with its code", async () => {
    const csr = (await csrFor("leaf-p384", "SHA384_WITH_ECDSA")).body.certificateSigningRequest as string;
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5]! ^= 0x01; // inside the signature
    const cases: [string, () => Promise<{ status: number; body: any }>, number, number][] = [
      ["CSR whose signature does not verify", () => signCsr("ca-ec", "SHA256_WITH_ECDSA", der.toString("base64")), 400, 628],
      ["CSR that is not a CSR", () => signCsr("ca-ec", "SHA256_WITH_ECDSA", Buffer.from("not a csr").toString("base64")), 400, 628],
      ["CA key without a certificate", () => signCsr("no-cert", "SHA256_WITH_ECDSA", csr), 404, 663],
      ["CA key whose certificate is not a CA's", () => signCsr("not-a-ca", "SHA256_WITH_ECDSA", csr), 400, 402],
      ["RSA algorithm on an EC key", () => csrFor("leaf-p384", "SHA256_WITH_RSA"), 400, 607],
      ["SHA-1 for a certificate", () => selfSign("ca-ec", "SHA1_WITH_ECDSA"), 400, 600],
      ["pre-hashed algorithm for a certificate", () => csrFor("leaf-p384", "NONE_WITH_ECDSA"), 400, 600],
      ["validity of 0 days", () => selfSign("ca-ec", "SHA256_WITH_ECDSA", { validity: 0 }), 400, 619],
      ["validity of 200 years", () => signCsr("ca-ec", "SHA256_WITH_ECDSA", csr, { validity: 73000 }), 400, 619],
      ["unknown key usage", () => csrFor("leaf-p384", "SHA384_WITH_ECDSA", { keyUsage: ["TELEPORT"] }), 400, 600],
      ["unknown extended key usage", () => csrFor("leaf-p384", "SHA384_WITH_ECDSA", { extendedKeyUsage: ["SERVER_AUTH,BREAKFAST"] }), 400, 600],
      ["bad subject alternative name", () => csrFor("leaf-p384", "SHA384_WITH_ECDSA", { subjectAlternativeNames: ["hostname"] }), 400, 600],
      ["country that is not two letters", () => csrFor("leaf-p384", "SHA384_WITH_ECDSA", { standardCertificateAttributes: { commonName: "x", country: "ch" } }), 400, 600],
      ["no common name", () => signet.json("POST", "/v1/certificate/synchronous/selfsign", { signKeyName: "ca-ec", signatureAlgorithm: "SHA256_WITH_ECDSA" }), 400, 600],
      ["unknown key", () => csrFor("ghost", "SHA256_WITH_ECDSA"), 404, 650],
      ["certificate of a key that has none", () => signet.json("GET", "/v1/certificate/no-cert"), 404, 663],
      ["certificate of an unknown key", () => signet.json("GET", "/v1/certificate/ghost"), 404, 650],
    ];
    for (const [name, call, status, errorCode] of cases) {
      const response = await call();
      expect({ name, status: response.status, errorCode: response.body?.errorCode }).toEqual({ name, status, errorCode });
    }
    // Nothing was stored by the refusals.
    expect((await signet.json("GET", "/v1/certificate/no-cert")).status).toBe(404);
  });
});

describe("certificates stored beside keys", () => {
  test("import, read, delete; a certificate that is not the key's is refused; deleting the key removes it", async () => {
    const csr = (await csrFor("no-cert", "SHA256_WITH_ECDSA")).body.certificateSigningRequest;
    const caEc = (await signet.json("GET", "/v1/certificate/ca-ec")).body.certificate;
    const issued = (await signCsr("ca-ec", "SHA256_WITH_ECDSA", csr)).body.certificate as string;
    const imported = await signet.json("POST", "/v1/certificate/import/plain", { label: "no-cert", certificate: issued });
    expect(imported.status).toBe(200);
    expect((await signet.json("GET", "/v1/certificate/no-cert")).body).toEqual({ label: "no-cert", certificate: issued });

    const wrongKey = await signet.json("POST", "/v1/certificate/import/plain", { label: "leaf-rsa", certificate: caEc });
    expect({ status: wrongKey.status, errorCode: wrongKey.body.errorCode }).toEqual({ status: 400, errorCode: 402 });
    const garbage = await signet.json("POST", "/v1/certificate/import/plain", { label: "leaf-rsa", certificate: Buffer.from("garbage").toString("base64") });
    expect({ status: garbage.status, errorCode: garbage.body.errorCode }).toEqual({ status: 400, errorCode: 626 });
    expect((await signet.json("GET", "/v1/certificate/leaf-rsa")).status).toBe(404);

    expect((await signet.json("DELETE", "/v1/certificate/no-cert")).status).toBe(200);
    expect((await signet.json("GET", "/v1/certificate/no-cert")).body.errorCode).toBe(663);
    expect((await signet.json("DELETE", "/v1/certificate/no-cert")).body.errorCode).toBe(663);

    // A key's certificate goes with the key.
    await signet.json("POST", "/v1/certificate/import/plain", { label: "no-cert", certificate: issued });
    expect((await signet.json("DELETE", "/v1/key/no-cert")).status).toBe(200);
    await signet.json("POST", "/v1/key", { label: "no-cert", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" });
    expect((await signet.json("GET", "/v1/certificate/no-cert")).body.errorCode).toBe(663);
  });

  test("a key imported with its certificate has it stored; one with another key's certificate is not imported", async () => {
    const [pair] = await nodeCrypto([{ op: "generate", type: "ec", namedCurve: "P-256" }]);
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${pair.pkcs8}\n-----END PRIVATE KEY-----\n`;
    const certificate = openssl(["req", "-x509", "-key", "{k.pem}", "-subj", "/CN=imported.example", "-days", "30"], { "k.pem": keyPem }).out;
    const imported = await signet.json("POST", "/v1/key/import/plain", { label: "imported", algorithm: "EC", privateKey: pair.pkcs8, certificate });
    expect(imported.status).toBe(200);
    const stored = await signet.json("GET", "/v1/certificate/imported");
    expect(publicKeyOf(stored.body.certificate, "x509")).toBe(pair.spki);
    verifyChain(certificate, stored.body.certificate);

    const [other] = await nodeCrypto([{ op: "generate", type: "ec", namedCurve: "P-256" }]);
    const refused = await signet.json("POST", "/v1/key/import/plain", { label: "imported-2", algorithm: "EC", privateKey: other.pkcs8, certificate });
    expect({ status: refused.status, errorCode: refused.body.errorCode }).toEqual({ status: 400, errorCode: 402 });
    expect((await signet.json("GET", "/v1/key/imported-2/attributes")).status).toBe(404);
  });
});

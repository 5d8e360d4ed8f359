/**
 * The TLS listeners and mutual TLS against the real server: a PEM certificate served by
 * Bun.serve, a PKCS#12 file, and client certificates checked for trust (CA bundle, configured
 * thumbprint, or registered as a client's credential), validity and key usage, with the
 * certificate's identity bound to a client. The client side is Bun's fetch with a client
 * certificate; refusals come back as HTTP answers with their own codes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EKU, makeCa, makeCert, type Issued } from "../support/certs";
import { removeDir, startExpectingFailure, startSignet, tempDir, type RunningSignet } from "../support/server";

const dir = tempDir("tls");
let serverCa: Issued;
let server: Issued;
let clientCa: Issued;
const clients: Record<string, Issued> = {};

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

beforeAll(async () => {
  serverCa = await makeCa("Signet Test Server CA");
  server = await makeCert({ subject: "localhost", issuer: serverCa, eku: [EKU.serverAuth], dns: ["localhost"], ips: ["127.0.0.1"] });
  clientCa = await makeCa("Signet Test Client CA");
  const otherCa = await makeCa("Some Other CA");
  clients.good = await makeCert({ subject: "payments-app", issuer: clientCa });
  clients.bound = await makeCert({ subject: "bound-app", issuer: clientCa });
  clients.noEku = await makeCert({ subject: "no-eku", issuer: clientCa, eku: null });
  clients.serverOnly = await makeCert({ subject: "server-only", issuer: clientCa, eku: [EKU.serverAuth] });
  clients.expired = await makeCert({ subject: "expired", issuer: clientCa, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
  clients.future = await makeCert({ subject: "future", issuer: clientCa, notBefore: new Date(Date.now() + 86_400_000) });
  clients.foreign = await makeCert({ subject: "foreign", issuer: otherCa });
  clients.pinned = await makeCert({ subject: "pinned-self-signed" });
  clients.unlisted = await makeCert({ subject: "unlisted-self-signed" });
  clients.registered = await makeCert({ subject: "registered-self-signed" });
  file("server.pem", `${server.certPem.trim()}\n${serverCa.certPem.trim()}\n`);
  file("server.key", server.keyPem);
  file("client-ca.pem", clientCa.certPem);
});

afterAll(() => removeDir(dir));

type Tls = { ca?: string; cert?: string; key?: string };

async function call(signet: RunningSignet, path: string, options: { tls?: Tls; headers?: Record<string, string>; method?: string; body?: unknown } = {}) {
  const response = await fetch(`${signet.url}${path}`, {
    method: options.method ?? "GET",
    headers: { "content-type": "application/json", ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    tls: { ca: serverCa.certPem, ...options.tls },
    keepalive: false,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

const withCert = (cert: Issued): Tls => ({ cert: cert.certPem, key: cert.keyPem });

describe("TLS with a PEM certificate (Bun.serve)", () => {
  let signet: RunningSignet;

  beforeAll(async () => {
    signet = await startSignet({ env: { SIGNET_TLS_CERT: join(dir, "server.pem"), SIGNET_TLS_KEY: join(dir, "server.key") }, fetchTls: { ca: serverCa.certPem } });
  });
  afterAll(async () => {
    await signet?.stop();
    removeDir(signet?.dataDir);
  });

  test("answers over HTTPS, with Strict-Transport-Security", async () => {
    expect(signet.url).toStartWith("https://");
    const answer = await call(signet, "/v1/versionInfo", { headers: { "x-api-key": signet.apiKey } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("strict-transport-security")).toBe("max-age=31536000");
  });

  test("plain HTTP to the TLS port gets no answer", async () => {
    const plain = await fetch(signet.url.replace("https://", "http://") + "/health").then((r) => r.status, () => "refused");
    expect(plain).not.toBe(200);
  });
});

describe("TLS with a PKCS#12 file", () => {
  let pfxPath: string;

  beforeAll(() => {
    const keyPath = file("p12.key", server.keyPem);
    const certPath = file("p12.pem", server.certPem);
    pfxPath = join(dir, "server.p12");
    const made = Bun.spawnSync(["openssl", "pkcs12", "-export", "-in", certPath, "-inkey", keyPath, "-out", pfxPath, "-passout", "pass:p12-secret-4711"]);
    expect(made.exitCode).toBe(0);
  });

  test("serves HTTPS with the certificate from the file", async () => {
    const signet = await startSignet({ env: { SIGNET_TLS_PFX: pfxPath, SIGNET_TLS_PASSPHRASE: "p12-secret-4711" } });
    try {
      const answer = await call(signet, "/v1/versionInfo", { headers: { "x-api-key": signet.apiKey } });
      expect(answer.status).toBe(200);
      expect(answer.body.Vendor).toBe("Signet");
    } finally {
      await signet.stop();
      removeDir(signet.dataDir);
    }
    expect(signet.output()).not.toContain("p12-secret-4711");
  });

  test("a wrong passphrase stops start-up with exit 2, naming the setting and not the passphrase", async () => {
    const data = tempDir("p12-bad");
    const { code, output } = await startExpectingFailure({ SIGNET_DATA_DIR: data, SIGNET_TLS_PFX: pfxPath, SIGNET_TLS_PASSPHRASE: "wrong-pass-0815" });
    removeDir(data);
    expect(code).toBe(2);
    expect(output).toContain("signet: configuration error: SIGNET_TLS_PFX:");
    expect(output).not.toContain("wrong-pass-0815");
  });
});

describe("mutual TLS", () => {
  let signet: RunningSignet;
  const asKey = (key: string) => ({ "x-api-key": key });

  beforeAll(async () => {
    signet = await startSignet({
      env: {
        SIGNET_TLS_CERT: join(dir, "server.pem"),
        SIGNET_TLS_KEY: join(dir, "server.key"),
        SIGNET_TLS_CLIENT_AUTH: "required",
        SIGNET_TLS_CLIENT_CA: join(dir, "client-ca.pem"),
        SIGNET_TLS_CLIENT_THUMBPRINTS: clients.pinned!.thumbprint.replace(/(..)(?!$)/g, "$1:").toUpperCase(),
      },
      fetchTls: { ca: serverCa.certPem, ...withCert(clients.good!) },
    });
  });
  afterAll(async () => {
    await signet?.stop();
    removeDir(signet?.dataDir);
  });

  test("without a client certificate: 401 / 467, on every route", async () => {
    for (const path of ["/v1/versionInfo", "/health", "/.well-known/jwks.json"]) {
      const answer = await call(signet, path, { headers: asKey(signet.apiKey) });
      expect({ path, status: answer.status, errorCode: answer.body?.errorCode }).toEqual({ path, status: 401, errorCode: 467 });
    }
  });

  test("a certificate from the client CA, for clientAuth: accepted", async () => {
    expect((await call(signet, "/v1/versionInfo", { tls: withCert(clients.good!), headers: asKey(signet.apiKey) })).status).toBe(200);
  });

  test("a certificate without any extended key usage: accepted (RFC 5280: any purpose)", async () => {
    expect((await call(signet, "/v1/versionInfo", { tls: withCert(clients.noEku!), headers: asKey(signet.apiKey) })).status).toBe(200);
  });

  test("a self-signed certificate whose thumbprint is configured: accepted", async () => {
    expect((await call(signet, "/v1/versionInfo", { tls: withCert(clients.pinned!), headers: asKey(signet.apiKey) })).status).toBe(200);
  });

  test.each([
    ["an unlisted thumbprint (self-signed)", "unlisted", "neither issued by a trusted CA nor registered"],
    ["a certificate from another CA", "foreign", "neither issued by a trusted CA nor registered"],
    ["an expired certificate", "expired", "has expired"],
    ["a certificate not valid yet", "future", "not yet valid"],
    ["a certificate for serverAuth only", "serverOnly", "does not include clientAuth"],
  ])("%s: 401 / 468", async (_name, which, reason) => {
    const answer = await call(signet, "/v1/versionInfo", { tls: withCert(clients[which]!), headers: asKey(signet.apiKey) });
    expect({ status: answer.status, errorCode: answer.body?.errorCode }).toEqual({ status: 401, errorCode: 468 });
    expect(answer.body.message).toContain(reason);
  });

  test("a certificate registered to a client authenticates as that client, without an API key", async () => {
    const created = await call(signet, "/v1/admin/clients", { method: "POST", tls: withCert(clients.good!), headers: asKey(signet.apiKey), body: { name: "bound-app", roles: ["service"] } });
    expect(created.status).toBe(201);
    const credential = await call(signet, `/v1/admin/clients/${created.body.id}/credentials`, {
      method: "POST",
      tls: withCert(clients.good!),
      headers: asKey(signet.apiKey),
      body: { kind: "certificate", certificate: clients.bound!.certPem, name: "bound-app cert" },
    });
    expect(credential.status).toBe(201);
    expect(credential.body.secret).toBeNull();
    expect(credential.body.credential).toMatchObject({ kind: "certificate", thumbprint: clients.bound!.thumbprint, subject: "CN=bound-app" });
    expect((await call(signet, "/v1/versionInfo", { tls: withCert(clients.bound!) })).status).toBe(200);
    const wrongRole = await call(signet, "/v1/key", { tls: withCert(clients.bound!) });
    expect({ status: wrongRole.status, errorCode: wrongRole.body.errorCode }).toEqual({ status: 403, errorCode: 400 });
    // Another client's API key over this certificate's connection: refused.
    const mismatch = await call(signet, "/v1/versionInfo", { tls: withCert(clients.bound!), headers: asKey(signet.apiKey) });
    expect({ status: mismatch.status, errorCode: mismatch.body.errorCode }).toEqual({ status: 401, errorCode: 469 });
    // A CA-issued certificate whose registration is revoked: trusted by the CA, refused as a credential.
    const revoke = await call(signet, `/v1/admin/clients/${created.body.id}/credentials/${credential.body.credential.id}/revoke`, { method: "POST", tls: withCert(clients.good!), headers: asKey(signet.apiKey) });
    expect(revoke.body.status).toBe("revoked");
    const revoked = await call(signet, "/v1/versionInfo", { tls: withCert(clients.bound!) });
    expect({ status: revoked.status, errorCode: revoked.body.errorCode }).toEqual({ status: 401, errorCode: 461 });
    // An unregistered certificate alone is not a credential.
    const anonymous = await call(signet, "/v1/versionInfo", { tls: withCert(clients.good!) });
    expect({ status: anonymous.status, errorCode: anonymous.body.errorCode }).toEqual({ status: 401, errorCode: 416 });
  });

  test("a registered self-signed certificate is trusted without a CA, until its credential is revoked", async () => {
    const created = await call(signet, "/v1/admin/clients", { method: "POST", tls: withCert(clients.good!), headers: asKey(signet.apiKey), body: { name: "registered-app", roles: ["service"], allowedCidrs: ["127.0.0.0/8", "::1/128"] } });
    const before = await call(signet, "/v1/versionInfo", { tls: withCert(clients.registered!) });
    expect(before.body.errorCode).toBe(468);
    const credential = await call(signet, `/v1/admin/clients/${created.body.id}/credentials`, {
      method: "POST",
      tls: withCert(clients.good!),
      headers: asKey(signet.apiKey),
      body: { kind: "certificate", certificate: clients.registered!.certPem },
    });
    expect((await call(signet, "/v1/versionInfo", { tls: withCert(clients.registered!) })).status).toBe(200);
    await call(signet, `/v1/admin/clients/${created.body.id}/credentials/${credential.body.credential.id}/revoke`, { method: "POST", tls: withCert(clients.good!), headers: asKey(signet.apiKey) });
    const after = await call(signet, "/v1/versionInfo", { tls: withCert(clients.registered!) });
    expect({ status: after.status, errorCode: after.body.errorCode }).toEqual({ status: 401, errorCode: 468 });
  });

  test("refusals are reported as access events, without the certificate's private key or any secret", async () => {
    await Bun.sleep(20);
    const denials = signet.output().split("\n").filter((line) => line.includes('"msg":"access denied"'));
    expect(denials.some((line) => line.includes('"kind":"clientCertificateRequired"'))).toBe(true);
    expect(denials.some((line) => line.includes('"kind":"clientCertificateRejected"'))).toBe(true);
    expect(signet.output()).not.toContain(clients.good!.keyPem.split("\n")[1]!);
    expect(signet.output()).not.toContain(signet.apiKey);
  });
});

describe("configuration", () => {
  test.each([
    ["mutual TLS without a TLS listener", { SIGNET_TLS_CLIENT_AUTH: "required" }, "SIGNET_TLS_CLIENT_AUTH"],
    ["a certificate without a key", { SIGNET_TLS_CERT: "server.pem" }, "SIGNET_TLS_KEY"],
    ["a thumbprint that is not SHA-256", { SIGNET_TLS_CERT: "server.pem", SIGNET_TLS_KEY: "server.key", SIGNET_TLS_CLIENT_THUMBPRINTS: "abcd" }, "SIGNET_TLS_CLIENT_THUMBPRINTS"],
    ["an unreadable CA bundle", { SIGNET_TLS_CERT: "server.pem", SIGNET_TLS_KEY: "server.key", SIGNET_TLS_CLIENT_CA: "nowhere.pem" }, "SIGNET_TLS_CLIENT_CA"],
  ])("%s: exit 2 naming %s", async (_name, env, setting) => {
    const data = tempDir("tls-config");
    const absolute = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.endsWith(".pem") || v.endsWith(".key") ? join(dir, v) : v]));
    const { code, output } = await startExpectingFailure({ SIGNET_DATA_DIR: data, ...absolute });
    removeDir(data);
    expect(code).toBe(2);
    expect(output.trim().split("\n")[0]).toStartWith(`signet: configuration error: ${setting}:`);
  });
});

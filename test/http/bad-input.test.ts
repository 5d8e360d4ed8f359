/**
 * Bad input: each case answers with its status and stable error code, changes nothing, and
 * the server stays up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir, startSignet, type RunningSignet } from "../support/server";

let signet: RunningSignet;
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
const sign = (fields: Record<string, unknown>) => ({
  signRequest: { payload: b64("hello"), signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", ...fields },
});

beforeAll(async () => {
  signet = await startSignet({ env: { SIGNET_MAX_PAYLOAD_BYTES: "1024" } });
  for (const key of [
    { label: "ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
    { label: "rsa", algorithm: "RSA", keySize: 2048 },
    { label: "no-sign", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7", attributes: { sign: false, derive: true } },
    { label: "kept", algorithm: "ED", attributes: { destroyable: false } },
  ]) {
    expect((await signet.json("POST", "/v1/key", key)).status).toBe(200);
  }
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  errorCode: number;
  reason: string;
}

const CASES: Case[] = [
  { name: "malformed JSON", method: "POST", path: "/v1/synchronousSign", body: '{"signRequest": {', status: 400, errorCode: 621, reason: "res.error.invalid.json" },
  { name: "body is not an object", method: "POST", path: "/v1/synchronousSign", body: "[1,2]", status: 400, errorCode: 600, reason: "res.error.input.validation.failed" },
  { name: "signRequest missing", method: "POST", path: "/v1/synchronousSign", body: {}, status: 400, errorCode: 600, reason: "res.error.input.validation.failed" },
  { name: "payload not a string", method: "POST", path: "/v1/synchronousSign", body: sign({ payload: 42 }), status: 400, errorCode: 600, reason: "res.error.input.validation.failed" },
  { name: "payload not base64", method: "POST", path: "/v1/synchronousSign", body: sign({ payload: "%%%not base64%%%" }), status: 400, errorCode: 612, reason: "res.error.invalid.payload" },
  { name: "empty payload", method: "POST", path: "/v1/synchronousSign", body: sign({ payload: "" }), status: 400, errorCode: 612, reason: "res.error.invalid.payload" },
  { name: "payload over the limit", method: "POST", path: "/v1/synchronousSign", body: sign({ payload: b64(Buffer.alloc(1025)) }), status: 413, errorCode: 680, reason: "res.error.payload.too.large" },
  { name: "unknown key", method: "POST", path: "/v1/synchronousSign", body: sign({ signKeyName: "nope" }), status: 404, errorCode: 650, reason: "res.error.key.not.existent" },
  { name: "unknown algorithm", method: "POST", path: "/v1/synchronousSign", body: sign({ signatureAlgorithm: "MD5_WITH_RSA" }), status: 400, errorCode: 600, reason: "res.error.input.validation.failed" },
  { name: "RSA algorithm on an EC key", method: "POST", path: "/v1/synchronousSign", body: sign({ signatureAlgorithm: "SHA256_WITH_RSA" }), status: 400, errorCode: 607, reason: "res.error.algorithm.not.supported.by.key" },
  { name: "EdDSA on an RSA key", method: "POST", path: "/v1/synchronousSign", body: sign({ signKeyName: "rsa", signatureAlgorithm: "EDDSA" }), status: 400, errorCode: 607, reason: "res.error.algorithm.not.supported.by.key" },
  { name: "digest of the wrong length", method: "POST", path: "/v1/synchronousSign", body: sign({ signKeyName: "rsa", signatureAlgorithm: "NONESHA256_WITH_RSA", payload: b64(Buffer.alloc(20)) }), status: 400, errorCode: 612, reason: "res.error.invalid.payload" },
  { name: "key without the sign attribute", method: "POST", path: "/v1/synchronousSign", body: sign({ signKeyName: "no-sign" }), status: 403, errorCode: 614, reason: "res.error.operation.forbidden.for.key" },
  { name: "unsupported signatureType", method: "POST", path: "/v1/synchronousSign", body: sign({ signatureType: "ETH" }), status: 400, errorCode: 600, reason: "res.error.input.validation.failed" },
  { name: "label with a control character", method: "POST", path: "/v1/synchronousSign", body: sign({ signKeyName: "bad\u0001label" }), status: 400, errorCode: 610, reason: "res.error.invalid.key.name" },
  { name: "verify: signature not base64", method: "POST", path: "/v1/verify", body: { verifySignatureRequest: { signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64("x"), signature: "***" } }, status: 400, errorCode: 612, reason: "res.error.invalid.payload" },
  { name: "create: duplicate label", method: "POST", path: "/v1/key", body: { label: "ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" }, status: 400, errorCode: 608, reason: "res.error.key.already.existing" },
  { name: "create: bad label", method: "POST", path: "/v1/key", body: { label: "../etc/passwd", algorithm: "ED" }, status: 400, errorCode: 610, reason: "res.error.invalid.key.name" },
  { name: "create: RSA-1024", method: "POST", path: "/v1/key", body: { label: "small", algorithm: "RSA", keySize: 1024 }, status: 400, errorCode: 603, reason: "res.error.input.keysize" },
  { name: "create: RSA without keySize", method: "POST", path: "/v1/key", body: { label: "small", algorithm: "RSA" }, status: 400, errorCode: 603, reason: "res.error.input.keysize" },
  { name: "create: unsupported key type", method: "POST", path: "/v1/key", body: { label: "bls", algorithm: "BLS" }, status: 400, errorCode: 613, reason: "res.error.invalid.key.type" },
  { name: "create: unknown curve", method: "POST", path: "/v1/key", body: { label: "curve", algorithm: "EC", curveOid: "1.2.3.4" }, status: 400, errorCode: 600, reason: "res.error.input.validation.failed" },
  { name: "create: BIP32 derivation (not offered)", method: "POST", path: "/v1/key", body: { label: "bip", algorithm: "EC", curveOid: "1.3.132.0.10", attributes: { bip32: true } }, status: 400, errorCode: 606, reason: "res.error.key.attributes.invalid" },
  { name: "create: unknown attribute", method: "POST", path: "/v1/key", body: { label: "odd", algorithm: "ED", attributes: { teleport: true } }, status: 400, errorCode: 606, reason: "res.error.key.attributes.invalid" },
  { name: "create: attribute not boolean", method: "POST", path: "/v1/key", body: { label: "odd", algorithm: "ED", attributes: { sign: "yes" } }, status: 400, errorCode: 600, reason: "res.error.input.validation.failed" },
  { name: "attributes of an unknown key", method: "GET", path: "/v1/key/ghost/attributes", status: 404, errorCode: 650, reason: "res.error.key.not.existent" },
  { name: "delete an unknown key", method: "DELETE", path: "/v1/key/ghost", status: 404, errorCode: 650, reason: "res.error.key.not.existent" },
  { name: "delete a key that is not destroyable", method: "DELETE", path: "/v1/key/kept", status: 403, errorCode: 614, reason: "res.error.operation.forbidden.for.key" },
  { name: "unknown route", method: "GET", path: "/v1/teleport", status: 404, errorCode: 622, reason: "res.error.resource.not.found" },
];

describe("bad input", () => {
  for (const c of CASES) {
    test(`${c.name}: ${c.status} ${c.errorCode}`, async () => {
      const response = await signet.request(c.method, c.path, c.body);
      const text = await response.text();
      expect(response.status).toBe(c.status);
      const body = JSON.parse(text);
      expect(body).toEqual({ errorCode: c.errorCode, reason: c.reason, message: expect.any(String) });
      expect(text).not.toMatch(/\bat .*\.ts:\d+/); // no stack traces
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    });
  }

  test("nothing changed and the server is still up", async () => {
    const labels = await signet.json("GET", "/v1/key");
    expect(labels.body).toEqual(["ec", "kept", "no-sign", "rsa"]);
    const health = await fetch(`${signet.url}/health`);
    expect(health.status).toBe(200);
    const signed = await signet.json("POST", "/v1/synchronousSign", sign({}));
    expect(signed.status).toBe(200);
  });

  test("a body over the size limit is refused before it is read, with the error body", async () => {
    const response = await signet.request("POST", "/v1/synchronousSign", sign({ payload: "A".repeat(200_000) }));
    expect(response.status).toBe(413);
    expect((await response.json()).errorCode).toBe(680);
  });
});

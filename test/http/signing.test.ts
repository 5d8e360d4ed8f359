/**
 * Every key type, every listed algorithm, through the real server; every signature checked
 * by Node's OpenSSL against the public key the API exported.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SIGNATURE_ALGORITHMS } from "../../src/signer/algorithms";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { signingCase, verifyWithNode, type VerifyJob } from "../support/verifier";

const KEYS = [
  { label: "rsa-2048", algorithm: "RSA", keySize: 2048 },
  { label: "rsa-3072", algorithm: "RSA", keySize: 3072 },
  { label: "rsa-4096", algorithm: "RSA", keySize: 4096 },
  { label: "ec-p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
  { label: "ec-p384", algorithm: "EC", curveOid: "1.3.132.0.34" },
  { label: "ec-p521", algorithm: "EC", curveOid: "1.3.132.0.35" },
  { label: "ec-secp256k1", algorithm: "EC", curveOid: "1.3.132.0.10" },
  { label: "ed-25519", algorithm: "ED", curveOid: "1.3.101.112" },
  { label: "dsa-2048", algorithm: "DSA", keySize: 2048 },
  { label: "dsa-3072", algorithm: "DSA", keySize: 3072 },
] as const;

const TYPE_OF: Record<string, "RSA" | "EC" | "ED" | "DSA"> = { RSA: "RSA", EC: "EC", ED: "ED", DSA: "DSA" };

let signet: RunningSignet;
const publicKeys = new Map<string, string>();

beforeAll(async () => {
  signet = await startSignet();
  for (const key of KEYS) {
    const created = await signet.json("POST", "/v1/key", { ...key, attributes: { sign: true } });
    expect(created.status).toBe(200);
    publicKeys.set(key.label, created.body.json.publicKey);
  }
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("key creation", () => {
  test("each key reports its type, size and a public key that OpenSSL parses", async () => {
    for (const key of KEYS) {
      const { status, body } = await signet.json("GET", `/v1/key/${key.label}/attributes`);
      expect(status).toBe(200);
      const json = body.json;
      expect(json.label).toBe(key.label);
      expect(json.algorithm).toBe(key.algorithm);
      if (key.algorithm === "RSA" || key.algorithm === "DSA") expect(json.keySize).toBe(key.keySize);
      else expect(json.curveOid).toBe(key.curveOid);
      expect(json.attributes.sign).toBe(true);
      expect(json.attributes.sensitive).toBe(true);
      expect(json.attributes.extractable).toBe(false);
      expect(json.keyVersion).toBe("v1");
      const parsed = Bun.spawnSync(["openssl", "pkey", "-pubin", "-inform", "DER", "-noout", "-text"], {
        stdin: Buffer.from(json.publicKey, "base64"),
      });
      expect(parsed.exitCode).toBe(0);
    }
  });

  test("GET /v1/key lists every label", async () => {
    const { status, body } = await signet.json("GET", "/v1/key");
    expect(status).toBe(200);
    expect(body).toEqual(KEYS.map((k) => k.label).sort());
  });
});

describe("synchronousSign", () => {
  const message = new TextEncoder().encode("Signet signs this message: 2026-11-23, 1000.00 CHF");

  test("every algorithm with every key it fits, verified by Node's OpenSSL", async () => {
    const jobs: VerifyJob[] = [];
    const names: string[] = [];
    for (const key of KEYS) {
      for (const algorithm of SIGNATURE_ALGORITHMS.values()) {
        if (algorithm.keyType !== TYPE_OF[key.algorithm] || algorithm.deterministic) continue;
        const formats = algorithm.scheme === "ecdsa" || algorithm.scheme === "dsa" ? [false, true] : [false];
        for (const raw of formats) {
          const testCase = signingCase(algorithm.name, message, publicKeys.get(key.label)!, raw);
          const { status, body } = await signet.json("POST", "/v1/synchronousSign", {
            signRequest: {
              payload: Buffer.from(testCase.payload).toString("base64"),
              signKeyName: key.label,
              signatureAlgorithm: algorithm.name,
              ...(raw ? { signatureType: "RAW" } : {}),
            },
          });
          expect({ key: key.label, algorithm: algorithm.name, status }).toEqual({ key: key.label, algorithm: algorithm.name, status: 200 });
          expect(body.keyVersion).toBe("v1");
          jobs.push(testCase.job(Buffer.from(body.signature, "base64")));
          names.push(`${key.label} ${algorithm.name}${raw ? " RAW" : ""}`);
        }
      }
    }
    const results = await verifyWithNode(jobs);
    const failed = names.filter((_, i) => !results[i]);
    expect(failed).toEqual([]);
    expect(jobs.length).toBeGreaterThan(200);
  });

  test("SHA256_WITH_ECDSA_DETERMINISTIC is refused on a token whose ECDSA is not RFC 6979 (SoftHSM), naming why", async () => {
    const { status, body } = await signet.json("POST", "/v1/synchronousSign", {
      signRequest: { payload: Buffer.from(message).toString("base64"), signKeyName: "ec-p256", signatureAlgorithm: "SHA256_WITH_ECDSA_DETERMINISTIC" },
    });
    expect(status).toBe(400);
    expect(body).toEqual({ errorCode: 681, reason: "res.error.mechanism.not.supported", message: expect.stringContaining("RFC 6979") });
  });

  test("a tampered message does not verify with Node, so the check above can fail", async () => {
    const testCase = signingCase("SHA256_WITH_ECDSA", message, publicKeys.get("ec-p256")!);
    const { body } = await signet.json("POST", "/v1/synchronousSign", {
      signRequest: { payload: Buffer.from(message).toString("base64"), signKeyName: "ec-p256", signatureAlgorithm: "SHA256_WITH_ECDSA" },
    });
    const job = testCase.job(Buffer.from(body.signature, "base64"));
    const [valid, tampered] = await verifyWithNode([job, { ...job, message: new TextEncoder().encode("another message") }]);
    expect(valid).toBe(true);
    expect(tampered).toBe(false);
  });
});

describe("verify", () => {
  const message = Buffer.from("verify me");

  test("answers true for a good signature and false for a bad one, for each key type", async () => {
    for (const [label, algorithm] of [
      ["rsa-2048", "SHA256_WITH_RSA_PSS"],
      ["ec-p384", "SHA384_WITH_ECDSA"],
      ["ec-secp256k1", "SHA256_WITH_ECDSA"],
      ["ed-25519", "EDDSA"],
    ] as const) {
      const signed = await signet.json("POST", "/v1/synchronousSign", {
        signRequest: { payload: message.toString("base64"), signKeyName: label, signatureAlgorithm: algorithm },
      });
      const signature = Buffer.from(signed.body.signature, "base64");
      const ask = (payload: Buffer, sig: Buffer) =>
        signet.json("POST", "/v1/verify", {
          verifySignatureRequest: { signKeyName: label, signatureAlgorithm: algorithm, payload: payload.toString("base64"), signature: sig.toString("base64") },
        });
      const good = await ask(message, signature);
      expect({ label, good: good.body }).toEqual({ label, good: { signatureValid: true } });
      const flipped = Buffer.from(signature);
      flipped[flipped.length - 1]! ^= 1;
      expect((await ask(message, flipped)).body).toEqual({ signatureValid: false });
      expect((await ask(Buffer.from("other"), signature)).body).toEqual({ signatureValid: false });
    }
  });

  test("an ECDSA signature in r‖s form verifies too", async () => {
    const signed = await signet.json("POST", "/v1/synchronousSign", {
      signRequest: { payload: message.toString("base64"), signKeyName: "ec-p256", signatureAlgorithm: "SHA256_WITH_ECDSA", signatureType: "RAW" },
    });
    expect(Buffer.from(signed.body.signature, "base64").length).toBe(64);
    const { body } = await signet.json("POST", "/v1/verify", {
      verifySignatureRequest: { signKeyName: "ec-p256", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: message.toString("base64"), signature: signed.body.signature },
    });
    expect(body).toEqual({ signatureValid: true });
  });
});

describe("GET /v1/pool", () => {
  test("counts the operations the Workers were sent and the messages that carried them; it needs a credential", async () => {
    const before = (await signet.json("GET", "/v1/pool")).body;
    expect(before).toEqual({
      workersReady: expect.any(Number), workersConfigured: expect.any(Number), queued: 0, inFlight: 0,
      batches: expect.any(Number), operations: expect.any(Number), workerRestarts: 0,
    });
    expect(before.workersReady).toBe(before.workersConfigured);
    const requests = 40;
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: Buffer.from(`pool ${i}`).toString("base64"), signKeyName: "ec-p256", signatureAlgorithm: "SHA256_WITH_ECDSA" } }),
      ),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const after = (await signet.json("GET", "/v1/pool")).body;
    // Each signature is one operation, whatever the batching; at most one message each.
    expect(after.operations - before.operations).toBeGreaterThanOrEqual(requests);
    expect(after.batches - before.batches).toBeGreaterThanOrEqual(1);
    expect(after.batches - before.batches).toBeLessThanOrEqual(after.operations - before.operations);
    const anonymous = await fetch(`${signet.url}/v1/pool`);
    expect(anonymous.status).toBe(401);
  });
});

describe("GET /v1/signing/timing", () => {
  test("times every signature's signer part and its wait for the audit record, in cumulative buckets; it needs a credential", async () => {
    const before = (await signet.json("GET", "/v1/signing/timing")).body;
    const requests = 25;
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: Buffer.from(`timing ${i}`).toString("base64"), signKeyName: "ec-p256", signatureAlgorithm: "SHA256_WITH_ECDSA" } }),
      ),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    // A refused signature (unknown key) reaches neither part.
    const refused = await signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: "AA==", signKeyName: "no-such-key", signatureAlgorithm: "SHA256_WITH_ECDSA" } });
    expect(refused.status).toBe(404);
    const after = (await signet.json("GET", "/v1/signing/timing")).body;
    for (const part of ["signer", "audit"] as const) {
      expect(after[part].count - before[part].count).toBe(requests);
      const buckets: { le: number | null; count: number }[] = after[part].atMostMs;
      expect(buckets[0]!.le).toBe(0.125);
      expect(buckets.at(-1)).toEqual({ le: null, count: after[part].count });
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.count).toBeGreaterThanOrEqual(buckets[i - 1]!.count);
    }
    const anonymous = await fetch(`${signet.url}/v1/signing/timing`);
    expect(anonymous.status).toBe(401);
  });
});

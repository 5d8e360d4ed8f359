/**
 * The signer layer on its own, in this process, against a real SoftHSM2 token: batching,
 * several sessions per Worker, and handle invalidation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createPublicKey, verify } from "node:crypto";
import { workerThreads } from "../../bench/lib/proc";
import { findSoftHsmModule, prepareEmbeddedToken } from "../../src/signer/embedded/softhsm";
import { Pkcs11Signer } from "../../src/signer/signer";
import { SignetError } from "../../src/errors";
import { keyHandleId, type EncodedSignature, type KeyUsageFlags } from "../../src/signer/types";
import { removeDir, tempDir } from "../support/server";

const dir = tempDir("hsm");
const token = prepareEmbeddedToken(dir, findSoftHsmModule()!);
const flags: KeyUsageFlags = {
  sign: true, decrypt: false, unwrap: false, derive: false, extractable: false,
  modifiable: false, destroyable: true, sensitive: true, copyable: false,
};
const signers: Pkcs11Signer[] = [];

async function openSigner(sessionsPerWorker: number, workers = 2, inlineSigning = false, queueMax = 10_000): Promise<Pkcs11Signer> {
  const signer = await Pkcs11Signer.open({
    inlineSigning,
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: token.pin,
    pool: { workers, sessionsPerWorker, queueMax, maxBatch: 256, pipelineDepth: 2, opTimeoutMs: 10_000, keygenTimeoutMs: 60_000 },
    afterTokenChange: () => token.snapshots.take(),
  });
  signers.push(signer);
  return signer;
}

let signer: Pkcs11Signer;
let publicKey: ReturnType<typeof createPublicKey>;
const ref = { label: "pool-p256", id: "01" };

beforeAll(async () => {
  signer = await openSigner(1);
  const info = await signer.generateKeyPair(ref, { type: "EC", curve: "P-256" }, flags);
  publicKey = createPublicKey({ key: Buffer.from(info.publicKeySpki!), format: "der", type: "spki" });
});

afterAll(async () => {
  await Promise.all(signers.map((s) => s.close()));
  removeDir(dir);
});

describe("batching", () => {
  test("a burst of concurrent signatures travels in far fewer Worker messages than signatures", async () => {
    const before = signer.health().pool;
    const count = 2000;
    const message = Buffer.from("batch me");
    const signatures = await Promise.all(
      Array.from({ length: count }, () => signer.sign(keyHandleId(ref), "SHA256_WITH_ECDSA", new Uint8Array(message), true)),
    );
    const after = signer.health().pool;
    const batches = after.batches - before.batches;
    expect(after.operations - before.operations).toBe(count);
    expect(batches).toBeLessThan(count / 4);
    for (const signature of signatures.slice(0, 50)) expect(verify("sha256", message, publicKey, signature)).toBe(true);
  });

  test("a lone request is sent at once, in a batch of one", async () => {
    const before = signer.health().pool;
    await signer.sign(keyHandleId(ref), "SHA256_WITH_ECDSA", new Uint8Array(Buffer.from("alone")), true);
    const after = signer.health().pool;
    expect(after.batches - before.batches).toBe(1);
    expect(after.operations - before.operations).toBe(1);
  });

  test("many payloads with one promise: each slot holds its signature or its error, in order, and they travel together", async () => {
    const message = Buffer.from("all at once");
    const good = { key: keyHandleId(ref), algorithm: "SHA256_WITH_ECDSA", payload: message.toString("base64"), der: true, digest: true };
    const requests = Array.from({ length: 64 }, () => good);
    requests[1] = { ...good, algorithm: "EDDSA" };
    requests[3] = { ...good, key: keyHandleId({ label: "no-such-key", id: "ee" }) };
    const before = signer.health().pool;
    const results = await signer.signEncodedAll(requests);
    const after = signer.health().pool;
    expect(after.operations - before.operations).toBe(64);
    expect(after.batches - before.batches).toBeLessThanOrEqual(4);
    expect(results).toHaveLength(64);
    expect((results[1] as SignetError).kind).toBe("algorithmNotSupportedByKey");
    expect((results[3] as SignetError).kind).toBe("keyNotFound");
    const sha256 = createHash("sha256").update(message).digest("hex");
    for (const [index, result] of results.entries()) {
      if (index === 1 || index === 3) continue;
      expect(result).not.toBeInstanceOf(SignetError);
      const { signature, payloadSha256 } = result as EncodedSignature;
      expect(payloadSha256).toBe(sha256);
      expect(verify("sha256", message, publicKey, Buffer.from(signature, "base64"))).toBe(true);
    }
  });

  test("many payloads with one promise: what the queue has no room for gets queueFull, the rest are signed", async () => {
    const bounded = await openSigner(1, 1, false, 10);
    const message = Buffer.from("bounded");
    const good = { key: keyHandleId(ref), algorithm: "SHA256_WITH_ECDSA", payload: message.toString("base64"), der: false, digest: false };
    const results = await bounded.signEncodedAll(Array.from({ length: 25 }, () => good));
    expect(results.slice(10).every((result) => result instanceof SignetError && result.kind === "queueFull")).toBe(true);
    for (const result of results.slice(0, 10)) {
      const signature = Buffer.from((result as EncodedSignature).signature, "base64");
      expect(verify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
    }
    expect(await bounded.signEncodedAll([])).toEqual([]);
  });

  test("the payload buffer is handed over to the Worker, not copied", async () => {
    const payload = new Uint8Array(Buffer.from("moved"));
    await signer.sign(keyHandleId(ref), "SHA256_WITH_ECDSA", payload, true);
    expect(payload.byteLength).toBe(0); // detached: its memory went to the Worker
  });
});

test("several sessions per Worker: signatures run on the native thread pool and verify", async () => {
  const concurrent = await openSigner(3, 1);
  const message = Buffer.from("three sessions");
  const signatures = await Promise.all(
    Array.from({ length: 300 }, () => concurrent.sign(keyHandleId(ref), "SHA256_WITH_ECDSA", new Uint8Array(message), false)),
  );
  for (const signature of signatures) {
    expect(verify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
  }
});

test("a destroyed key is forgotten by every Worker", async () => {
  const doomed = { label: "doomed", id: "02" };
  await signer.generateKeyPair(doomed, { type: "ED", curve: "Ed25519" }, flags);
  // Sign enough to put the key's handles in both Workers' caches.
  await Promise.all(Array.from({ length: 50 }, () => signer.sign(keyHandleId(doomed), "EDDSA", new Uint8Array(8), false)));
  await signer.destroyKey(doomed);
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => signer.sign(keyHandleId(doomed), "EDDSA", new Uint8Array(8), false)));
  for (const result of results) {
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason.kind).toBe("keyNotFound");
  }
});

test("pre-hashed ECDSA signs exactly the digest given", async () => {
  const digest = createHash("sha384").update("pre-hashed").digest();
  const signature = await signer.sign(keyHandleId(ref), "NONE_WITH_ECDSA", new Uint8Array(digest), true);
  expect(verify("sha384", Buffer.from("pre-hashed"), publicKey, signature)).toBe(true);
});

test("inline signing: a lone cheap signature is made on the calling thread, a burst and RSA still go to the Workers", async () => {
  const inline = await openSigner(1, 1, true);
  const message = Buffer.from("inline");
  const b64 = message.toString("base64");
  const before = inline.health().pool;
  const lone = await inline.signEncoded(keyHandleId(ref), "SHA256_WITH_ECDSA", b64, { der: true, digest: true });
  expect(inline.health().pool.operations).toBe(before.operations);
  expect(verify("sha256", message, publicKey, Buffer.from(lone.signature, "base64"))).toBe(true);
  expect(lone.payloadSha256).toBe(createHash("sha256").update(message).digest("hex"));
  // A burst in one turn: one inline, the rest through the pool.
  const burst = await Promise.all(Array.from({ length: 20 }, () => inline.signEncoded(keyHandleId(ref), "SHA256_WITH_ECDSA", b64, { der: true, digest: false })));
  expect(inline.health().pool.operations - before.operations).toBeGreaterThanOrEqual(19);
  for (const s of burst) expect(verify("sha256", message, publicKey, Buffer.from(s.signature, "base64"))).toBe(true);
  // Ed25519 is not cheap enough: it goes to the pool even when idle.
  const ed = { label: "inline-ed", id: "03" };
  await inline.generateKeyPair(ed, { type: "ED", curve: "Ed25519" }, flags);
  await Bun.sleep(5);
  const mid = inline.health().pool.operations;
  await inline.signEncoded(keyHandleId(ed), "EDDSA", b64, { der: false, digest: false });
  expect(inline.health().pool.operations).toBe(mid + 1);
});

test("close() resolves once the Workers' threads have ended, with signatures in flight; those fail with hsmUnavailable or are signed", async () => {
  const before = workerThreads(process.pid);
  const closing = await openSigner(1, 2);
  expect(workerThreads(process.pid)).toBe(before + 2);
  const b64 = Buffer.from("closing").toString("base64");
  const inFlight = Array.from({ length: 500 }, () =>
    closing.signEncoded(keyHandleId(ref), "SHA256_WITH_ECDSA", b64, { der: true, digest: false }).then(
      (signed) => verify("sha256", Buffer.from("closing"), publicKey, Buffer.from(signed.signature, "base64")),
      (error: unknown) => (error as SignetError).kind,
    ),
  );
  await Bun.sleep(1);
  await closing.close();
  // Nothing of the pool runs once close() has resolved: the process could exit now.
  expect(workerThreads(process.pid)).toBe(before);
  const outcomes = await Promise.all(inFlight);
  expect(outcomes.every((outcome) => outcome === true || outcome === "hsmUnavailable")).toBe(true);
  expect(outcomes).toContain("hsmUnavailable");
});

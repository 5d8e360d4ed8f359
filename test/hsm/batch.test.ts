/**
 * Batch signing at the domain level, against a real SoftHSM2 token and a real store: a batch
 * reaches the Workers as a few batch messages, not one message per item.
 */
import { afterAll, expect, test } from "bun:test";
import { createPublicKey, verify } from "node:crypto";
import { SYSTEM_CONTEXT } from "../../src/domain/context";
import { KeyService } from "../../src/domain/keys/key-service";
import { batchSign, type BatchItem } from "../../src/domain/signing/batch-sign";
import { SigningService } from "../../src/domain/signing/signing-service";
import { findSoftHsmModule, prepareEmbeddedToken } from "../../src/signer/embedded/softhsm";
import { Pkcs11Signer } from "../../src/signer/signer";
import { openStore } from "../../src/store/db";
import { removeDir, tempDir } from "../support/server";

const dir = tempDir("batch");
const token = prepareEmbeddedToken(dir, findSoftHsmModule()!);
const store = openStore(dir);
let signer: Pkcs11Signer | undefined;

afterAll(() => {
  signer?.close();
  store.close();
  removeDir(dir);
});

test("a batch of 200 signatures travels to the Workers in a few messages, not 200, and every signature verifies", async () => {
  signer = await Pkcs11Signer.open({
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: token.pin,
    pool: { workers: 2, sessionsPerWorker: 1, queueMax: 10_000, maxBatch: 256, pipelineDepth: 2, opTimeoutMs: 10_000, keygenTimeoutMs: 60_000 },
    afterTokenChange: () => token.snapshots.take(),
  });
  const keys = new KeyService(signer, store.keys);
  const signing = new SigningService(keys, signer, 1 << 20);
  const a = await keys.create({ label: "batch-a", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" }, SYSTEM_CONTEXT);
  const b = await keys.create({ label: "batch-b", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" }, SYSTEM_CONTEXT);
  const messages = Array.from({ length: 200 }, (_, i) => Buffer.from(`batch item ${i}`));
  const items: BatchItem[] = messages.map((message, i) => ({
    reference: String(i),
    input: { label: i % 2 ? "batch-b" : "batch-a", algorithm: "SHA256_WITH_ECDSA", payload: new Uint8Array(message), format: "DER" },
  }));

  const before = signer.health().pool;
  const results = await batchSign(signing, items, { maxItems: 1000, maxBytes: 1 << 20 }, SYSTEM_CONTEXT);
  const after = signer.health().pool;

  expect(after.operations - before.operations).toBe(200);
  // The pool shares a burst among the Workers with room: at most workers × pipelineDepth messages.
  expect(after.batches - before.batches).toBeLessThanOrEqual(2 * 2);
  const publicKeys = [a, b].map((view) => createPublicKey({ key: Buffer.from(view.publicKey!, "base64"), format: "der", type: "spki" }));
  results.forEach((result, i) => {
    expect(result.reference).toBe(String(i));
    if (!("output" in result)) throw result.error;
    expect(verify("sha256", messages[i]!, publicKeys[i % 2]!, result.output.signature)).toBe(true);
  });
});

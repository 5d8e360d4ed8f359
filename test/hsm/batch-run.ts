/**
 * Run by batch.test.ts in a process of its own: SoftHSM reads its configuration once per
 * process, so a second embedded token cannot share the test runner's process with
 * pool.test.ts. Signs a batch of 200 through the domain and prints what the pool counted and
 * whether every signature verified, as one JSON line.
 */
import { createPublicKey, verify } from "node:crypto";
import { DirectAuditRecorder } from "../../src/audit/direct-recorder";
import { SYSTEM_CONTEXT } from "../../src/domain/context";
import { KeyService } from "../../src/domain/keys/key-service";
import { BatchSigner, type BatchItem } from "../../src/domain/signing/batch-sign";
import { SigningService } from "../../src/domain/signing/signing-service";
import { findSoftHsmModule, prepareEmbeddedToken } from "../../src/signer/embedded/softhsm";
import { Pkcs11Signer } from "../../src/signer/signer";
import { openStore } from "../../src/store/db";

const dir = process.argv[2]!;
const token = prepareEmbeddedToken(dir, findSoftHsmModule()!);
const store = openStore(dir);
const signer = await Pkcs11Signer.open({
  modulePath: token.modulePath,
  tokenLabel: token.tokenLabel,
  pin: token.pin,
  pool: { workers: 2, sessionsPerWorker: 1, queueMax: 10_000, maxBatch: 256, pipelineDepth: 2, opTimeoutMs: 10_000, keygenTimeoutMs: 60_000 },
  afterTokenChange: () => token.snapshots.take(),
});
try {
  // The real audit log of the store (records appended at once; no HSM keys needed for them).
  const audit = new DirectAuditRecorder(store.audit);
  const keys = new KeyService(signer, store.keys, audit);
  const signing = new SigningService(keys, signer, 1 << 20, audit);
  const views = [
    await keys.create({ label: "batch-a", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" }, SYSTEM_CONTEXT),
    await keys.create({ label: "batch-b", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" }, SYSTEM_CONTEXT),
  ];
  const messages = Array.from({ length: 200 }, (_, i) => Buffer.from(`batch item ${i}`));
  const items: BatchItem[] = messages.map((message, i) => ({
    reference: String(i),
    input: { label: i % 2 ? "batch-b" : "batch-a", algorithm: "SHA256_WITH_ECDSA", payload: message.toString("base64"), format: "DER" },
  }));
  const before = signer.health().pool;
  const results = await new BatchSigner(signing, { maxItems: 1000, maxBytes: 1 << 20, maxBodyBytes: 4 << 20, maxItemsInFlight: 1024, maxItemsWaiting: 8192 }).sign(items, SYSTEM_CONTEXT);
  const after = signer.health().pool;
  const publicKeys = views.map((view) => createPublicKey({ key: Buffer.from(view.publicKey!, "base64"), format: "der", type: "spki" }));
  const verified = results.filter(
    (result, i) => result.reference === String(i) && "output" in result && verify("sha256", messages[i]!, publicKeys[i % 2]!, Buffer.from(result.output.signature, "base64")),
  ).length;
  process.stdout.write(`${JSON.stringify({ operations: after.operations - before.operations, batches: after.batches - before.batches, verified })}\n`);
} finally {
  await signer.close();
  store.close();
}
process.exit(0);

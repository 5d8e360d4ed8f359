/**
 * The skeleton of a signed answer, with no Signet code: what the bench compares Signet with,
 * for its throughput at saturation, its tail at 50% load and what a durable record costs. A
 * plain Bun.serve answers
 *   POST /record      once a small record is durable: group commit on a writer thread, SQLite
 *                     in WAL mode with synchronous=FULL (an fsync a commit), as issue 5 asks of
 *                     every signature's audit record;
 *   POST /hop-record  after `ops` operations (default 1) have been through the Workers, each a
 *                     signature on the token with `key` (its handle id, hex) and `mechanism`
 *                     (pkcs11-mechanisms.ts), dispatched and batched as Signet's pool does; then as /record;
 *   POST /hop         as /hop-record without the record: their difference is what a durable
 *                     record costs a signed answer at that rate (the audit cost's skeleton);
 *   POST /answer      at once, as /record without the record: their difference is what
 *                     making a record durable adds to an answer;
 *   POST /sign-api    the API's own work for a POST /v1/synchronousSign body, signed with `key`
 *                     and `mechanism`: the body's JSON, the payload to a Worker (decoded, hashed
 *                     for the record, signed, in DER for ECDSA, in base64), a durable record
 *                     with the payload's SHA-256, and the JSON answer with the signature;
 *   POST /batch-api   the same for a POST /v1/batchSign body: every item's payload through the
 *                     Workers, one durable record listing each item's [index, payload SHA-256],
 *                     and the JSON answer with every signature.
 * The two API routes are what a service of this API needs at least, beside /hop-record's parts.
 * No JSON schema, no authentication, no Merkle tree: the least the parts of the design cost.
 * If this skeleton's rate at saturation misses a target, no code on top of it meets that
 * target on this machine; its p99 at a rate says the same less firmly, since one
 * window's p99 moves with the machine's stalls (bench/NOTES.md).
 *
 *   SKELETON_TOKEN='{"modulePath":..,"tokenLabel":..,"pin":..}' SOFTHSM2_CONF=.. \
 *     bun bench/lib/skeleton-server.ts <data dir> [workers, 2]   (prints "listening <url>")
 *
 * SOFTHSM2_CONF must be in the process's environment when it starts: the module reads it with
 * libc's getenv, which does not see process.env as Bun sets it.
 */
import { isBindingMechanism, type BindingMechanism } from "./pkcs11-mechanisms";
import type { SkeletonOps, SkeletonSignMessage } from "./skeleton-sign-worker";

const dataDir = process.argv[2];
const workers = Number(process.argv[3] ?? 2);
if (!dataDir || !(workers >= 1)) throw new Error("usage: skeleton-server.ts <data dir> [workers]");
const token = JSON.parse(process.env.SKELETON_TOKEN ?? "null") as { modulePath: string; tokenLabel: string; pin: string } | null;
if (!token) throw new Error("SKELETON_TOKEN is not set: the skeleton's Workers sign on the bench's token");

// The hop, dispatched as Signet's pool dispatches (src/signer/pool/pool.ts, with its defaults):
// an operation goes at once to an idle Worker; while every Worker is busy, what arrives in a
// turn of the event loop waits for its end and leaves in one message; a Worker holds at most
// PIPELINE_DEPTH messages of at most MAX_BATCH operations, and what waits is shared among the
// Workers that have room. A message's Worker makes its signatures and answers once, as a
// Worker signing a batch does.
const MAX_BATCH = 256;
const PIPELINE_DEPTH = 2;

interface Slot {
  worker: Worker;
  /** Each message in flight: what its answer ([id] for a hop, [id, signature, digest, ...] for payloads) settles. */
  inFlight: Map<number, (answer: (number | string)[]) => void>;
}

/** The signatures and digests of one /batch-api call, filled in as its Workers answer. */
interface PayloadCall {
  signatures: string[];
  digests: string[];
  left: number;
  done: () => void;
}

const hopQueue: { key: string; mechanism: BindingMechanism; done: () => void }[] = [];
const payloadQueue: { key: string; mechanism: BindingMechanism; payload: string; call: PayloadCall; index: number }[] = [];
let hopFlushScheduled = false;
let nextBatch = 1;
const slots: Slot[] = [];
function post(worker: Worker, message: SkeletonSignMessage): void {
  worker.postMessage(message);
}

// Started before the writer thread, as Signet starts its signing Workers before its audit
// writer; one after another, as Signet does (Workers loading pkcs11js at once crashed Bun 1.4).
for (let i = 0; i < workers; i++) {
  const slot: Slot = { worker: new Worker(new URL("./skeleton-sign-worker.ts", import.meta.url).href), inFlight: new Map() };
  await new Promise<void>((resolve, reject) => {
    slot.worker.onmessage = () => resolve();
    slot.worker.onerror = (event) => reject(new Error(`skeleton Worker: ${event.message}`));
    post(slot.worker, { t: "open", ...token });
  });
  // A Worker that fails mid-run would leave its requests unanswered and the load generator
  // timing out: the skeleton stops instead, and the bench sees it gone.
  slot.worker.onerror = (event) => {
    console.error(`skeleton Worker ${i} failed: ${event.message}`);
    process.exit(1);
  };
  slot.worker.onmessage = (event: MessageEvent<number | string>) => {
    const answer = typeof event.data === "number" ? [event.data] : (JSON.parse(event.data) as (number | string)[]);
    const id = answer[0] as number;
    const settle = slot.inFlight.get(id);
    slot.inFlight.delete(id);
    settle?.(answer);
    if (hopQueue.length + payloadQueue.length > 0) flushHops();
  };
  slots.push(slot);
}

function flushHops(): void {
  hopFlushScheduled = false;
  while (hopQueue.length + payloadQueue.length > 0) {
    let target: Slot | null = null;
    let free = 0;
    for (const slot of slots) {
      if (slot.inFlight.size >= PIPELINE_DEPTH) continue;
      free++;
      if (!target || slot.inFlight.size < target.inFlight.size) target = slot;
    }
    if (!target) return;
    const id = nextBatch++;
    if (hopQueue.length > 0) {
      const taken = hopQueue.splice(0, Math.min(MAX_BATCH, Math.ceil(hopQueue.length / free)));
      target.inFlight.set(id, () => {
        for (const op of taken) op.done();
      });
      post(target.worker, { t: "sign", id, runs: runsOf(taken) });
    } else {
      // One key and mechanism a message: the leading operations with the first one's.
      const most = Math.min(MAX_BATCH, Math.ceil(payloadQueue.length / free));
      const { key, mechanism } = payloadQueue[0]!;
      let count = 1;
      while (count < most && payloadQueue[count]!.key === key && payloadQueue[count]!.mechanism === mechanism) count++;
      const taken = payloadQueue.splice(0, count);
      target.inFlight.set(id, (answer) => {
        taken.forEach((op, k) => {
          op.call.signatures[op.index] = answer[1 + 2 * k] as string;
          op.call.digests[op.index] = answer[2 + 2 * k] as string;
          if (--op.call.left === 0) op.call.done();
        });
      });
      post(target.worker, { t: "payloads", id, key, mechanism, payloads: JSON.stringify(taken.map((op) => op.payload)) });
    }
  }
}

function scheduleFlush(): void {
  if (hopFlushScheduled) return;
  hopFlushScheduled = true;
  if (slots.some((slot) => slot.inFlight.size === 0)) queueMicrotask(flushHops);
  else setImmediate(flushHops);
}

/** The operations as runs of one key and mechanism: what a Worker's message carries. */
function runsOf(ops: typeof hopQueue): SkeletonOps[] {
  const runs: SkeletonOps[] = [];
  for (const op of ops) {
    const last = runs[runs.length - 1];
    if (last && last[0] === op.key && last[1] === op.mechanism) last[2]++;
    else runs.push([op.key, op.mechanism, 1]);
  }
  return runs;
}

/** `ops` signatures with `key` and `mechanism` through the Workers; resolves when all are done. */
function hop(key: string, mechanism: BindingMechanism, ops: number): Promise<unknown> {
  const done: Promise<void>[] = [];
  for (let i = 0; i < ops; i++) done.push(new Promise((resolve) => hopQueue.push({ key, mechanism, done: resolve })));
  scheduleFlush();
  return ops === 1 ? done[0]! : Promise.all(done);
}

/** The payloads signed with `key` and `mechanism` through the Workers, with one promise for the call. */
function signPayloads(key: string, mechanism: BindingMechanism, payloads: readonly string[]): Promise<PayloadCall> {
  return new Promise((resolve) => {
    const call: PayloadCall = { signatures: new Array(payloads.length), digests: new Array(payloads.length), left: payloads.length, done: () => resolve(call) };
    if (payloads.length === 0) return call.done();
    payloads.forEach((payload, index) => payloadQueue.push({ key, mechanism, payload, call, index }));
    scheduleFlush();
  });
}

const writer = new Worker(new URL("./skeleton-writer-worker.ts", import.meta.url).href);
await new Promise<void>((resolve) => {
  writer.onmessage = () => resolve();
  writer.postMessage(`${dataDir}/skeleton.sqlite`);
});

// Group commit: records that arrive while a commit is under way leave together in the next one.
let queued: { record: string; done: () => void }[] = [];
let committing: typeof queued | null = null;
let flushScheduled = false;
writer.onmessage = () => {
  const done = committing ?? [];
  committing = null;
  for (const item of done) item.done();
  flush();
};
function flush(): void {
  flushScheduled = false;
  if (committing || queued.length === 0) return;
  committing = queued;
  queued = [];
  writer.postMessage(JSON.stringify(committing.map((item) => item.record)));
}
function durable(record: string): Promise<void> {
  return new Promise((resolve) => {
    queued.push({ record, done: resolve });
    if (!flushScheduled) {
      flushScheduled = true;
      queueMicrotask(flush);
    }
  });
}

const server = Bun.serve({
  port: 0,
  async fetch(request) {
    const url = new URL(request.url);
    const body = await request.text();
    if (url.pathname === "/answer") return Response.json({ signature: "skeleton" });
    if (url.pathname !== "/record") {
      const mechanism = url.searchParams.get("mechanism") ?? "";
      const key = Buffer.from(url.searchParams.get("key") ?? "", "hex").toString();
      if (!isBindingMechanism(mechanism)) return new Response("unknown mechanism", { status: 400 });
      if (url.pathname === "/sign-api") {
        const { signRequest } = JSON.parse(body) as { signRequest: { payload: string } };
        const call = await signPayloads(key, mechanism, [signRequest.payload]);
        await durable(JSON.stringify({ time: new Date().toISOString(), action: "sign", key, payloadSha256: call.digests[0] }));
        return Response.json({ signature: call.signatures[0], keyVersion: "1" });
      }
      if (url.pathname === "/batch-api") {
        const { requests } = JSON.parse(body) as { requests: { reference?: string; payload: string }[] };
        const call = await signPayloads(key, mechanism, requests.map((item) => item.payload));
        await durable(JSON.stringify({ time: new Date().toISOString(), action: "batchSign", key, signatures: call.digests.map((digest, index) => [index, digest]) }));
        return Response.json({ results: requests.map((item, index) => ({ reference: item.reference ?? null, signature: call.signatures[index], keyVersion: "1" })) });
      }
      if (url.pathname !== "/hop-record" && url.pathname !== "/hop") return new Response("not found", { status: 404 });
      await hop(key, mechanism, Number(url.searchParams.get("ops") ?? 1));
      if (url.pathname === "/hop") return Response.json({ signature: "skeleton" });
    }
    await durable(JSON.stringify({ time: new Date().toISOString(), action: "sign", bytes: body.length }));
    return Response.json({ signature: "skeleton" });
  },
});
console.log(`listening ${server.url.href.replace(/\/$/, "")}`);

/**
 * The skeleton of a signed answer, with no Signet code: what the bench compares Signet with,
 * for its tail at 50% load and for what a durable record costs. A plain Bun.serve answers
 *   POST /record      once a small record is durable: group commit on a writer thread, SQLite
 *                     in WAL mode with synchronous=FULL (an fsync a commit), as issue 5 asks of
 *                     every signature's audit record;
 *   POST /hop-record  after a round trip to one of two Workers that spends `spinUs` of CPU (the
 *                     token's cost of one signature, from the C stage), then as /record;
 *   POST /answer      at once, as /record without the record: their difference is what
 *                     making a record durable adds to an answer.
 * No JSON schema, no authentication, no hashing, no Merkle tree: the least the parts of the
 * design cost. If this skeleton's p99 at a rate is above a target, no code on top of it meets
 * that target on this machine at that rate.
 *
 *   bun bench/lib/skeleton-server.ts <data dir>   (prints "listening <url>")
 */
export {}; // a module: top-level await

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: skeleton-server.ts <data dir>");

interface Slot {
  worker: Worker;
  inFlight: number;
}

const waiting = new Map<number, () => void>();
const slots: Slot[] = [];
for (let i = 0; i < 2; i++) {
  const slot: Slot = { worker: new Worker(new URL("./skeleton-spin-worker.ts", import.meta.url).href), inFlight: 0 };
  slot.worker.onmessage = (event: MessageEvent<number>) => {
    slot.inFlight--;
    const done = waiting.get(event.data);
    waiting.delete(event.data);
    done?.();
  };
  slots.push(slot);
}

let nextId = 1;
/** One message a request to the Worker with the fewest in flight, as an idle pool would. */
function hop(spinUs: number): Promise<void> {
  const id = nextId++;
  let target = slots[0]!;
  for (const slot of slots) if (slot.inFlight < target.inFlight) target = slot;
  target.inFlight++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    target.worker.postMessage({ id, spinUs });
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
    if (url.pathname === "/hop-record") await hop(Number(url.searchParams.get("spinUs") ?? 0));
    else if (url.pathname !== "/record") return new Response("not found", { status: 404 });
    await durable(JSON.stringify({ time: new Date().toISOString(), action: "sign", bytes: body.length }));
    return Response.json({ signature: "skeleton" });
  },
});
console.log(`listening ${server.url.href.replace(/\/$/, "")}`);

/**
 * A pool Worker: owns its PKCS#11 sessions through one Pkcs11Executor and answers each
 * batch with one message. Started only by pool.ts, one Worker after another.
 */
import { SharedFlag } from "../../platform/shared-flag";
import { Pkcs11Executor } from "../pkcs11/executor";
import { SignerSetupError } from "../pkcs11/module";
import type { OpResult } from "../types";
import { decodeSignBatch, encodeSignResults, transferablesOf, type FromWorker, type ToWorker } from "./protocol";

declare const self: Worker;

let executor: Pkcs11Executor | null = null;
/** Set to 1 by the pool when this Worker is to end (protocol.ts, init). */
let stopFlag = new SharedFlag();
const stopRequested = (): boolean => stopFlag.isSet();
/** Fault injection (protocol.ts, init): while it is up the "token" does not answer. */
let stall = new SharedFlag();

/** Whether the batch may run: not once the pool has given up on this Worker; blocks while the token is stalled (fault injection). */
function mayRun(): boolean {
  stall.waitWhileSet(stopRequested);
  return !stopRequested();
}
/** The last batch still waiting for the token (sessions > 1: the batches run one after another). */
let lastAsync: Promise<unknown> = Promise.resolve();

function reply(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  self.postMessage(message, transfer);
}

function* resultBytes(results: OpResult[]): Iterable<Uint8Array> {
  for (const result of results) if (result.ok && result.value instanceof Uint8Array) yield result.value;
}

function answer(batch: number, results: OpResult[]): void {
  reply({ t: "done", batch, results }, transferablesOf(resultBytes(results)));
}

function answerEncoded(batch: number, results: OpResult[]): void {
  self.postMessage(encodeSignResults(batch, results));
}

self.onmessage = (event: MessageEvent<ToWorker | string>) => {
  const message = event.data;
  if (typeof message === "string") {
    // The signing fast path: a batch of signEncoded ops as one string (see protocol.ts).
    // A batch that arrives once the stop flag is set was failed by the pool already.
    if (!mayRun()) return;
    const { batch, ops } = decodeSignBatch(message);
    const results = executor!.runBatch(ops, stopRequested);
    if (Array.isArray(results)) answerEncoded(batch, results);
    else lastAsync = results.then((settled) => answerEncoded(batch, settled));
    return;
  }
  switch (message.t) {
    case "init":
      stopFlag = new SharedFlag(message.stop);
      stall = new SharedFlag(message.stall);
      try {
        executor = Pkcs11Executor.open(message.options);
        reply({ t: "ready" });
      } catch (error) {
        const field = error instanceof SignerSetupError ? error.field : null;
        reply({ t: "initFailed", field, message: (error as Error).message });
      }
      return;
    case "run": {
      if (!mayRun()) return;
      const results = executor!.runBatch(message.ops, stopRequested);
      if (Array.isArray(results)) answer(message.batch, results);
      else lastAsync = results.then((settled) => answer(message.batch, settled));
      return;
    }
    case "stop":
      // Ends between token calls, never inside one (pool.ts), and gives its sessions back to
      // the token first: a Worker replaced after a timeout would otherwise hold them until the
      // process ends, and a network HSM has a bounded number of them.
      void lastAsync.finally(() => {
        executor?.close();
        process.exit(0);
      });
      return;
    case "invalidate":
      executor?.invalidate(message.key);
      return;
    case "crash":
      // Uncaught in the message handler: the Worker dies with the batches it still holds.
      throw new Error("fault injection: worker crash");
    case "hang":
      // Blocked as in a token call that does not return; it returns when the pool gives up on
      // this Worker (sets the flag), as a stuck call returns at last.
      stopFlag.waitUntilSet(message.ms);
      return;
  }
};

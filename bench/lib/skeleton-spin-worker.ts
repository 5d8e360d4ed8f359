/** bench/lib/skeleton-server.ts: spends the CPU of one signature, then answers. */
export {}; // a module, so that `self` below is this file's own declaration

declare const self: Worker;

let sink = 0;

/** A fixed amount of integer work the JIT cannot drop (its result is kept). */
function work(iterations: number): void {
  let x = sink | 0;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  sink = x;
}

/**
 * Iterations of work() a µs on this thread when it runs undisturbed: the best of ten tries. A
 * signature is an amount of work, not of time: preempted on shared cores it takes longer on
 * the clock, and so does this. (Spinning until the clock had moved spinUs made the skeleton's
 * hop end on time whatever the load; the thread's CPU clock that Bun exposes,
 * process.threadCpuUsage, moves in scheduler ticks of milliseconds.)
 */
function calibrate(): number {
  let best = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    const iterations = 2_000_000;
    const started = performance.now();
    work(iterations);
    best = Math.max(best, iterations / ((performance.now() - started) * 1000));
  }
  return best;
}

const iterationsPerMicro = calibrate();

self.onmessage = (event: MessageEvent<{ id: number; spinUs: number }>) => {
  work(Math.round(event.data.spinUs * iterationsPerMicro));
  self.postMessage(event.data.id);
};

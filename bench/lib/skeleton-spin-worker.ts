/** bench/lib/skeleton-server.ts: spends the CPU of one signature, then answers. */
export {}; // a module, so that `self` below is this file's own declaration

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ id: number; spinUs: number }>) => {
  const end = performance.now() + event.data.spinUs / 1000;
  while (performance.now() < end) {
    // busy: the token's CPU, without a token
  }
  self.postMessage(event.data.id);
};

/** bench/micro.ts: answers each payload back, the way it came (copied or transferred). */
export {}; // a module, so that `self` below is this file's own declaration

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ data: Uint8Array; transfer: boolean }>) => {
  const { data, transfer } = event.data;
  self.postMessage(data, transfer ? [data.buffer as ArrayBuffer] : []);
};

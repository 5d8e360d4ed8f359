/**
 * One thread of the binding limit (binding.ts): pkcs11js in a Bun Worker signing in a tight
 * loop, as native/p11bench.c does from C: same module, token, key, mechanism and input, one
 * session, C_SignInit + C_Sign per signature into one reused output buffer. Only the set-up
 * (module, token, login, the key's handles) is Signet's code; the loop is pkcs11js alone.
 */
import { openBenchSession, privateKeyOf, type BenchSession } from "./pkcs11-loop";
import { MECHANISMS, type BindingMechanism } from "./pkcs11-mechanisms";

declare const self: Worker;

export type { BindingMechanism } from "./pkcs11-mechanisms";

/** "open" loads the module and logs in (the threads are opened one after another); "run" signs. */
export type BindingMessage =
  | { t: "open"; modulePath: string; tokenLabel: string; pin: string }
  | { t: "run"; key: string; mechanism: BindingMechanism; seconds: number };

export interface BindingReply {
  signatures: number;
  seconds: number;
  /** This thread's CPU time (user and system) over the loop, in µs. */
  cpuMicros: number;
}

let opened: BenchSession | null = null;

/** `key` is the key's handle id, as the pool is given it (label and CKA_ID). */
function run(keyId: string, name: BindingMechanism, seconds: number): BindingReply {
  const { p11: token, session } = opened!;
  const key = privateKeyOf(opened!, keyId);
  const { mechanism, inputBytes } = MECHANISMS[name];
  const input = Buffer.alloc(inputBytes, 0x5a);
  const output = Buffer.alloc(1024);
  const cpu0 = process.threadCpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let signatures = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 16; i++) {
      token.C_SignInit(session, mechanism, key);
      token.C_Sign(session, input, output);
    }
    signatures += 16;
  }
  const cpu1 = process.threadCpuUsage();
  return { signatures, seconds: (performance.now() - t0) / 1000, cpuMicros: cpu1.user - cpu0.user + cpu1.system - cpu0.system };
}

self.onmessage = (event: MessageEvent<BindingMessage>) => {
  const message = event.data;
  if (message.t === "open") {
    opened = openBenchSession(message.modulePath, message.tokenLabel, message.pin);
    self.postMessage("ready");
  } else {
    self.postMessage(run(message.key, message.mechanism, message.seconds));
  }
};

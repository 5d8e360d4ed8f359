/**
 * One thread of the binding limit (binding.ts): pkcs11js in a Bun Worker signing in a tight
 * loop, as native/p11bench.c does from C: same module, token, key, mechanism and input, one
 * session, C_SignInit + C_Sign per signature into one reused output buffer. Only the set-up
 * (module, token, login, the key's handles) is Signet's code; the loop is pkcs11js alone.
 */
import { findKeyObjects } from "../../src/signer/pkcs11/keys";
import { findTokenSlot, loadModule, loginUser, openSession } from "../../src/signer/pkcs11/module";
import { parseKeyHandleId } from "../../src/signer/types";
import { MECHANISMS, type BindingMechanism } from "./mechanisms";

declare const self: Worker;

export type { BindingMechanism } from "./mechanisms";

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

let p11: ReturnType<typeof loadModule> | null = null;
let session: Buffer | null = null;

/** `key` is the key's handle id, as the pool is given it (label and CKA_ID). */
function run(keyId: string, name: BindingMechanism, seconds: number): BindingReply {
  const objects = findKeyObjects(p11!, session!, parseKeyHandleId(keyId));
  if (!objects) throw new Error(`no key ${keyId} on the token`);
  const key = objects.privateKey;
  const { mechanism, inputBytes } = MECHANISMS[name];
  const input = Buffer.alloc(inputBytes, 0x5a);
  const output = Buffer.alloc(1024);
  const token = p11!;
  const cpu0 = process.threadCpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let signatures = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 16; i++) {
      token.C_SignInit(session!, mechanism, key);
      token.C_Sign(session!, input, output);
    }
    signatures += 16;
  }
  const cpu1 = process.threadCpuUsage();
  return { signatures, seconds: (performance.now() - t0) / 1000, cpuMicros: cpu1.user - cpu0.user + cpu1.system - cpu0.system };
}

self.onmessage = (event: MessageEvent<BindingMessage>) => {
  const message = event.data;
  if (message.t === "open") {
    p11 = loadModule(message.modulePath);
    session = openSession(p11, findTokenSlot(p11, message.tokenLabel));
    loginUser(p11, session, message.pin);
    self.postMessage("ready");
  } else {
    self.postMessage(run(message.key, message.mechanism, message.seconds));
  }
};

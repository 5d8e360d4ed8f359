/**
 * bench/lib/skeleton-server.ts: a Worker of the skeleton's hop. It signs each operation of a
 * message on the token, as the binding limit's loop does (pkcs11js alone: C_SignInit + C_Sign
 * into one reused buffer, the same key and mechanism as Signet's request), then answers the
 * message once. Only the set-up (module, token, login, finding the key) is Signet's code.
 *
 * A "payloads" message is the API's own work instead (POST /sign-api, /batch-api): each
 * payload's base64 decoded and its SHA-256 (for the record); the signature with the mechanism,
 * on the digest for CKM_ECDSA (then in DER, by Signet's pure ecdsaRawToDer, for identical
 * bytes), on the payload for the others; the signature in base64 and the digest in hex. The
 * answer is one JSON string, [id, signature, digest, signature, digest, ...].
 *
 * Real signatures, not an amount of calibrated work: the token's cost moves with the VM's
 * speed (the C loop by 10-25% within a minute, once by 77% in one round), and work calibrated
 * from another minute's C run did not move with it. Beside each other in the same minutes, the
 * two agreed (bench/NOTES.md, "The skeleton with real signatures").
 */
import { ecdsaRawToDer } from "../../src/signer/encoding";
import { openBenchSession, privateKeyOf, type BenchSession } from "./pkcs11-loop";
import { MECHANISMS, type BindingMechanism } from "./pkcs11-mechanisms";

declare const self: Worker;

/** A run of operations with one key (its handle id) and mechanism. */
export type SkeletonOps = [key: string, mechanism: BindingMechanism, count: number];

export type SkeletonSignMessage =
  | { t: "open"; modulePath: string; tokenLabel: string; pin: string }
  | { t: "sign"; id: number; runs: SkeletonOps[] }
  /** `payloads`: the JSON of the base64 payloads to sign with `key` (a handle id) and `mechanism`. */
  | { t: "payloads"; id: number; key: string; mechanism: BindingMechanism; payloads: string };

let opened: BenchSession | null = null;
const keys = new Map<string, Buffer>();
const output = Buffer.alloc(1024);
const inputs = new Map<number, Buffer>();
const digest = Buffer.alloc(32);

function privateKey(keyId: string): Buffer {
  let key = keys.get(keyId);
  if (!key) keys.set(keyId, (key = privateKeyOf(opened!, keyId)));
  return key;
}

self.onmessage = (event: MessageEvent<SkeletonSignMessage>) => {
  const message = event.data;
  if (message.t === "open") {
    opened = openBenchSession(message.modulePath, message.tokenLabel, message.pin);
    self.postMessage("ready");
    return;
  }
  const { p11: token, session } = opened!;
  if (message.t === "payloads") {
    const key = privateKey(message.key);
    const { mechanism } = MECHANISMS[message.mechanism];
    const ecdsa = message.mechanism === "ecdsa";
    const answer: (number | string)[] = [message.id];
    for (const payload of JSON.parse(message.payloads) as string[]) {
      const bytes = Buffer.from(Uint8Array.fromBase64(payload).buffer);
      Bun.SHA256.hash(bytes, digest);
      token.C_SignInit(session, mechanism, key);
      const signature = token.C_Sign(session, ecdsa ? digest : bytes, output);
      answer.push((ecdsa ? ecdsaRawToDer(signature) : signature).toBase64(), digest.toString("hex"));
    }
    self.postMessage(JSON.stringify(answer));
    return;
  }
  for (const [keyId, name, count] of message.runs) {
    const key = privateKey(keyId);
    const { mechanism, inputBytes } = MECHANISMS[name];
    let input = inputs.get(inputBytes);
    if (!input) inputs.set(inputBytes, (input = Buffer.alloc(inputBytes, 0x5a)));
    for (let i = 0; i < count; i++) {
      token.C_SignInit(session, mechanism, key);
      token.C_Sign(session, input, output);
    }
  }
  self.postMessage(message.id);
};

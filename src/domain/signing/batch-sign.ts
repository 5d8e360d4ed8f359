/**
 * Batch signing (POST /v1/batchSign): many signatures in one request, each item answered on its
 * own, in request order. One bad item (an unknown key, a wrong algorithm, bad base64) fails
 * alone; the request as a whole is refused only when it exceeds the configured number of
 * items or payload bytes.
 *
 * Each key's items are handed to the signer in one call with one promise for all of them
 * (SigningService.signAllForBatch), all in the same turn of the event loop: they wait in the
 * pool's queue together and leave for the Workers as a few batch messages (one per Worker, up
 * to SIGNET_MAX_BATCH operations each), not one message per item, and the main thread keeps no
 * chain of promises per item.
 *
 * The audit log gets one record per key and algorithm of the batch (action batchSign), listing
 * each signature's index in the request and its payload's SHA-256; a refused item gets its own
 * sign record, as a single request would. Every signature is still recorded, and none is
 * answered before its record is on disk.
 */
import { asSignetError, SignetError } from "../../errors";
import { requireKey } from "../access/key-grant";
import type { OperationContext } from "../context";
import type { ResolvedKey } from "../keys/key-service";
import { ItemsInFlight } from "./items-in-flight";
import { base64DecodedLength, type SignBase64Input, type SignBase64Output, type SigningService, type UnrecordedSignature } from "./signing-service";

/** An item as the route hands it over: ready to sign, or already refused (a bad shape). */
export type BatchItem = { reference: string | null } & ({ input: SignBase64Input } | { error: SignetError });

export type BatchResult = { reference: string | null } & ({ output: SignBase64Output } | { error: SignetError });

export interface BatchLimits {
  maxItems: number;
  maxBytes: number;
  /** The request body such a batch needs at most (refused before it is read above it). */
  maxBodyBytes: number;
  /** Most items of all batches being signed at once (items-in-flight.ts), and most waiting for their turn. */
  maxItemsInFlight: number;
  maxItemsWaiting: number;
}

export class BatchSigner {
  private readonly inFlight: ItemsInFlight;

  constructor(
    private readonly signing: SigningService,
    readonly limits: BatchLimits,
  ) {
    this.inFlight = new ItemsInFlight(limits.maxItemsInFlight, limits.maxItemsWaiting);
  }

  async sign(items: BatchItem[], context: OperationContext): Promise<BatchResult[]> {
    const { limits } = this;
    if (items.length === 0) throw new SignetError("inputValidation", "requests is empty");
    if (items.length > limits.maxItems) {
      throw new SignetError("payloadTooLarge", `the batch has ${items.length} items; at most ${limits.maxItems} are accepted`);
    }
    const bytes = items.reduce((sum, item) => sum + ("input" in item ? base64DecodedLength(item.input.payload) : 0), 0);
    if (bytes > limits.maxBytes) {
      throw new SignetError("payloadTooLarge", `the batch's payloads are ${bytes} bytes; at most ${limits.maxBytes} are accepted`);
    }
    await this.inFlight.enter(items.length);
    try {
      return await signAll(this.signing, items, context);
    } finally {
      this.inFlight.leave(items.length);
    }
  }
}

async function signAll(signing: SigningService, items: BatchItem[], context: OperationContext): Promise<BatchResult[]> {
  // Load every key first (once per label), so that the signatures below can all start in one go.
  // A key outside the caller's allow-list is refused before it is looked up.
  const labels = new Set(items.flatMap((item) => ("input" in item ? [item.input.label] : [])));
  const keys = new Map<string, ResolvedKey | SignetError>();
  await Promise.all(
    [...labels].map(async (label) => {
      try {
        requireKey(context, label);
        keys.set(label, await signing.resolveKey(label));
      } catch (error) {
        keys.set(label, asSignetError(error));
      }
    }),
  );

  // Each key's items go to the signer together, with one promise for all of them.
  const done = new Array<BatchResult | SignedItem>(items.length);
  const byKey = new Map<ResolvedKey, number[]>();
  for (const [index, item] of items.entries()) {
    if ("error" in item) {
      done[index] = item;
      continue;
    }
    const key = keys.get(item.input.label)!;
    if (key instanceof SignetError) {
      done[index] = { reference: item.reference, error: key };
      continue;
    }
    const indexes = byKey.get(key);
    if (indexes) indexes.push(index);
    else byKey.set(key, [index]);
  }
  await Promise.all(
    [...byKey].map(([key, indexes]) => {
      const inputs = indexes.map((index) => (items[index] as { input: SignBase64Input }).input);
      return signing.signAllForBatch(key, inputs, context).then(
        (outcomes) => outcomes.forEach((outcome, n) => {
          const index = indexes[n]!;
          const { reference } = items[index]!;
          done[index] = outcome instanceof SignetError ? { reference, error: outcome } : { reference, index, key, algorithm: inputs[n]!.algorithm, signed: outcome };
        }),
        (error: unknown) => indexes.forEach((index) => (done[index] = { reference: items[index]!.reference, error: asSignetError(error) })),
      );
    }),
  );
  return recordSignatures(signing, done, context);
}

/** A signature made for the batch, waiting for its record. */
interface SignedItem {
  reference: string | null;
  index: number;
  key: ResolvedKey;
  algorithm: string;
  signed: UnrecordedSignature;
}

/**
 * Records the batch's signatures, one record per key and algorithm, and answers them once
 * their record is on disk; the signatures of a record that cannot be written are answered
 * with its error instead (as a single signature would be).
 */
async function recordSignatures(signing: SigningService, done: (BatchResult | SignedItem)[], context: OperationContext): Promise<BatchResult[]> {
  const groups = new Map<string, SignedItem[]>();
  for (const result of done) {
    if (!("signed" in result) || result.signed.payloadSha256 === null) continue;
    const group = `${result.key.label}\u0000${result.algorithm}`;
    const members = groups.get(group);
    if (members) members.push(result);
    else groups.set(group, [result]);
  }
  const refused = new Map<SignedItem, SignetError>();
  await Promise.all(
    [...groups.values()].map((members) => {
      const { key, algorithm } = members[0]!;
      const facts = members.map((member) => ({ index: member.index, payloadSha256: member.signed.payloadSha256! }));
      return signing.recordBatchSignatures(context, key, algorithm, facts).catch((error: unknown) => {
        for (const member of members) refused.set(member, asSignetError(error));
      });
    }),
  );
  return done.map((result) => {
    if (!("signed" in result)) return result;
    const error = refused.get(result);
    if (error) return { reference: result.reference, error };
    return { reference: result.reference, output: { signature: result.signed.signature, keyVersion: result.signed.keyVersion } };
  });
}

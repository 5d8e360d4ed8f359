/**
 * Batch signing (POST /v1/batchSign): many signatures in one request, each item answered on its
 * own, in request order. One bad item (an unknown key, a wrong algorithm, bad base64) fails
 * alone; the request as a whole is refused only when it exceeds the configured number of
 * items or payload bytes.
 *
 * All the signatures of a batch are handed to the signer in one synchronous loop, so they wait
 * in the pool's queue together and leave for the Workers as a few batch messages (one per
 * Worker, up to SIGNET_MAX_BATCH operations each), not one message per item.
 */
import { SignetError } from "../../errors";
import { requireKey } from "../access/key-grant";
import type { OperationContext } from "../context";
import type { ResolvedKey } from "../keys/key-service";
import { ItemsInFlight } from "./items-in-flight";
import { base64DecodedLength, type SignBase64Input, type SignBase64Output, type SigningService } from "./signing-service";

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

  const pending: Promise<BatchResult>[] = [];
  for (const item of items) {
    if ("error" in item) {
      pending.push(Promise.resolve(item));
      continue;
    }
    const key = keys.get(item.input.label)!;
    const reference = item.reference;
    if (key instanceof SignetError) {
      pending.push(Promise.resolve({ reference, error: key }));
      continue;
    }
    try {
      pending.push(signing.signBase64With(key, item.input, context).then(
        (output) => ({ reference, output }),
        (error: unknown) => ({ reference, error: asSignetError(error) }),
      ));
    } catch (error) {
      pending.push(Promise.resolve({ reference, error: asSignetError(error) }));
    }
  }
  return Promise.all(pending);
}

function asSignetError(error: unknown): SignetError {
  return error instanceof SignetError ? error : new SignetError("internal", "internal error", { cause: error });
}

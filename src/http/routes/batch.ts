/**
 * POST /v1/batchSign: validates each item on its own (a malformed item fails alone) and answers
 * every item in request order. Payloads stay base64 until a Worker decodes them (an item whose
 * payload is not base64 fails alone, with 612). Role: keyOperation.
 */
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Elysia } from "elysia";
import type { BatchItem, BatchSigner } from "../../domain/signing/batch-sign";
import { SignetError } from "../../errors";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { errorBody } from "../error-status";
import { BatchSignBody, BatchSignItem, BatchSignResponse } from "./batch.model";

const itemCheck = TypeCompiler.Compile(BatchSignItem);

function toItem(raw: unknown, index: number): BatchItem {
  const reference = raw && typeof raw === "object" && typeof (raw as { reference?: unknown }).reference === "string"
    ? ((raw as { reference: string }).reference)
    : null;
  if (!itemCheck.Check(raw)) {
    const first = itemCheck.Errors(raw).First();
    const where = first ? `${first.path.replace(/^\//, "").replaceAll("/", ".") || "item"}: ${first.message}` : "invalid item";
    return { reference, error: new SignetError("inputValidation", `requests[${index}] ${where}`) };
  }
  let password: string | null;
  try {
    password = passwordOf(raw.keyPassword, `requests[${index}].keyPassword`);
  } catch (error) {
    return { reference, error: error as SignetError };
  }
  return {
    reference,
    input: { label: raw.signKeyName, algorithm: raw.signatureAlgorithm, payload: raw.payload, format: raw.signatureType === "RAW" ? "RAW" : "DER", password },
  };
}

export function batchRoutes(auth: ReturnType<typeof authPlugin>, batches: BatchSigner) {
  const { limits } = batches;
  return new Elysia({ name: "signet.routes.batch" }).use(auth).post(
    "/v1/batchSign",
    async ({ body, context }) => {
      if (body.requests.length > limits.maxItems) {
        throw new SignetError("payloadTooLarge", `the batch has ${body.requests.length} items; at most ${limits.maxItems} are accepted`);
      }
      const results = await batches.sign(body.requests.map(toItem), context);
      return {
        results: results.map((result) =>
          "output" in result
            ? { reference: result.reference, signature: result.output.signature, keyVersion: result.output.keyVersion }
            : { reference: result.reference, ...errorBody(result.error.kind === "internal" ? new SignetError("internal", "internal error") : result.error) },
        ),
      };
    },
    {
      role: { role: "keyOperation", scope: "key:sign" },
      parse: "json",
      body: BatchSignBody,
      response: withErrors(BatchSignResponse, "One result per item, in request order."),
      detail: {
        tags: ["Synchronous Key Operations"],
        operationId: "batchSign",
        summary: "Sign many payloads in one request",
        description:
          "Signs each item as synchronousSign would, with the current key versions, and answers 200 with one result per item in request " +
          "order; an item that fails carries its own errorCode, reason and message and does not fail the others. Over " +
          "SIGNET_BATCH_MAX_ITEMS items or SIGNET_BATCH_MAX_BYTES payload bytes the whole request is refused (413, 680). At most SIGNET_BATCH_MAX_IN_FLIGHT items of all " +
          "calls are signed at once; a call beyond it waits its turn, and is refused (503, 711, Retry-After) when SIGNET_QUEUE_MAX items already wait. " +
          "The audit log gets one batchSign record per key and algorithm of the call, listing each signature as [index, payload SHA-256]; a refused " +
          "item gets its own sign record, and no item is answered before its record is on disk. Signet extension " +
          "(Vault Transit's batch_input, Thales CT-VL batches). Role: keyOperation.",
      },
    },
  );
}

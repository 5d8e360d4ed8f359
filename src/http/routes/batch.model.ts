/** Request and response schemas of POST /v1/batchSign. */
import { t } from "elysia";
import { ResponseInteger } from "../docs";
import { SignBody } from "./signing.model";

const signRequest = SignBody.properties.signRequest;

/** One item: the fields of a signRequest, plus the caller's reference echoed in its result. */
export const BatchSignItem = t.Object({
  reference: t.Optional(t.Union([t.String({ maxLength: 256, description: "Echoed in this item's result." }), t.Null()])),
  signKeyName: signRequest.properties.signKeyName,
  signatureAlgorithm: signRequest.properties.signatureAlgorithm,
  payload: signRequest.properties.payload,
  signatureType: signRequest.properties.signatureType,
  payloadType: signRequest.properties.payloadType,
  keyPassword: signRequest.properties.keyPassword,
});

export const BatchSignBody = t.Object({
  requests: t.Array(
    // Each item is checked against BatchSignItem by the route, so that an item of another shape
    // is answered in its own result (errorCode 600) instead of refusing the batch.
    t.Unknown({
      description:
        "An item: {reference?, signKeyName, signatureAlgorithm, payload, signatureType?, keyPassword?}, the fields of synchronousSign's " +
        "signRequest plus a reference (string, up to 256 characters) echoed in its result.",
      examples: [{ reference: "invoice-17", signKeyName: "payments-ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: "UGF5bG9hZA==" }],
    }),
    { description: "The items to sign, answered in the same order. At most SIGNET_BATCH_MAX_ITEMS items and SIGNET_BATCH_MAX_BYTES payload bytes in all." },
  ),
});

export const BatchSignResult = t.Object({
  reference: t.Union([t.String(), t.Null()]),
  signature: t.Optional(t.String({ description: "The signature, base64 (as synchronousSign)." })),
  keyVersion: t.Optional(t.String({ examples: ["v1"] })),
  errorCode: t.Optional(ResponseInteger({ description: "When this item failed: the code synchronousSign would have answered." })),
  reason: t.Optional(t.String()),
  message: t.Optional(t.String()),
});

export const BatchSignResponse = t.Object({
  results: t.Array(BatchSignResult, { description: "One result per request item, in request order: {reference, signature, keyVersion} or {reference, errorCode, reason, message}." }),
});

/**
 * POST /v1/synchronousSign and POST /v1/verify: validate, translate, call the signing service;
 * GET /v1/signing/timing: where those signatures' time went.
 */
import { Elysia } from "elysia";
import type { HmacService } from "../../domain/crypto/hmac-service";
import type { SigningService } from "../../domain/signing/signing-service";
import { SignetError } from "../../errors";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { decodeBase64 } from "../encoding";
import { SignBody, SignResponse, SigningTimingResponse, VerifyBody, VerifyResponse } from "./signing.model";

export function signingRoutes(auth: ReturnType<typeof authPlugin>, signing: SigningService, hmac: HmacService) {
  return new Elysia({ name: "signet.routes.signing" })
    .use(auth)
    .post(
      "/v1/synchronousSign",
      async ({ body, context }) => {
        const request = body.signRequest;
        // The payload stays base64 here: a Worker decodes it (and says so if it is not base64).
        return signing.signBase64(
          {
            label: request.signKeyName,
            algorithm: request.signatureAlgorithm,
            payload: request.payload,
            format: request.signatureType === "RAW" ? "RAW" : "DER",
            password: passwordOf(request.keyPassword, "signRequest.keyPassword"),
          },
          context,
        );
      },
      {
        role: { role: "keyOperation", scope: "key:sign" },
        parse: "json",
        body: SignBody,
        response: withErrors(SignResponse, "The signature."),
        detail: {
          tags: ["Synchronous Key Operations"],
          operationId: "synchronousSign",
          summary: "Sign a payload with a key",
          description: "Signs the base64 payload with the named key in the HSM and returns the signature. Role keyOperation, scope key:sign.",
        },
      },
    )
    .post(
      "/v1/verify",
      async ({ body, context }) => {
        const request = body.verifySignatureRequest;
        const hmacRequest = body.verifyHmacRequest;
        if ((request ? 1 : 0) + (hmacRequest ? 1 : 0) !== 1) {
          throw new SignetError("inputValidation", "give exactly one of verifySignatureRequest and verifyHmacRequest");
        }
        if (hmacRequest) {
          const signatureValid = await hmac.verify(
            {
              label: hmacRequest.keyName,
              payload: decodeBase64(hmacRequest.payload, "verifyHmacRequest.payload"),
              mac: decodeBase64(hmacRequest.signature, "verifyHmacRequest.signature"),
              keyVersion: hmacRequest.keyVersion,
              password: passwordOf(hmacRequest.keyPassword, "verifyHmacRequest.keyPassword"),
            },
            context,
          );
          return { signatureValid };
        }
        const signatureValid = await signing.verify(
          {
            label: request!.signKeyName,
            algorithm: request!.signatureAlgorithm,
            payload: decodeBase64(request!.payload, "verifySignatureRequest.payload"),
            signature: decodeBase64(request!.signature, "verifySignatureRequest.signature"),
            keyVersion: request!.keyVersion,
            password: passwordOf(request!.masterKeyPassword, "verifySignatureRequest.masterKeyPassword"),
          },
          context,
        );
        return { signatureValid };
      },
      {
        role: { role: "keyOperation", scope: "key:verify" },
        parse: "json",
        body: VerifyBody,
        response: withErrors(VerifyResponse, "Whether the signature is valid."),
        detail: {
          tags: ["Synchronous Key Operations"],
          operationId: "verifySignature",
          summary: "Verify a signature or an HMAC with a key",
          description:
            "Verifies the signature over the payload with the public key of the named key (verifySignatureRequest), or a keyed hash " +
            "with an HMAC key (verifyHmacRequest), in the HSM, with the key version named in keyVersion (default: current). " +
            "Role keyOperation, scope key:verify.",
        },
      },
    )
    .get("/v1/signing/timing", () => signing.timingStats(), {
      role: { role: "service", scope: "service:info" },
      response: withErrors(SigningTimingResponse, "Where single signatures' time went since start."),
      detail: {
        tags: ["Service Information"],
        operationId: "signingTiming",
        summary: "Where a single signature's time goes inside Signet (Signet extension)",
        description:
          "Two histograms over every single signature since start (synchronousSign, and the signature of each JWT POST /v1/token/jwt mints): the signer's part (queue, Worker hop, token) and the wait for " +
          "the durable audit record. The rest of a request's latency is HTTP, authentication and the main thread's own queue. " +
          "Cumulative: take two readings and subtract them for a window (the bench does, around each fixed-rate run).",
      },
    });
}

/** Encryption and decryption: validate, translate, call the cipher service. Role: keyOperation. */
import { Elysia } from "elysia";
import type { CipherService } from "../../domain/crypto/cipher-service";
import type { HmacService } from "../../domain/crypto/hmac-service";
import type { WrapService } from "../../domain/crypto/wrap-service";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { decodeBase64, encodeBase64 } from "../encoding";
import {
  DecryptBody,
  DecryptResponse,
  EncryptBody,
  EncryptResponse,
  HmacBody,
  HmacResponse,
  RandomParams,
  RandomResponse,
  UnwrapBody,
  WrapBody,
  WrapResponse,
} from "./crypto.model";
import { KeyResponse } from "./keys.model";
import { keyJson } from "./keys";

const TAGS = ["Synchronous Key Operations"];

/** Response schemas of a route that answers 201 Created. */
function created<T extends Parameters<typeof withErrors>[0]>(schema: T, description: string) {
  const { 200: ok, ...errors } = withErrors(schema, description);
  return { ...errors, 201: ok };
}

function optionalBase64(value: string | null | undefined, field: string): Uint8Array | null {
  return value === null || value === undefined ? null : decodeBase64(value, field);
}

export function cryptoRoutes(auth: ReturnType<typeof authPlugin>, ciphers: CipherService, wrapping: WrapService, hmac: HmacService) {
  return new Elysia({ name: "signet.routes.crypto" })
    .use(auth)
    .post(
      "/v1/encrypt",
      async ({ body, context }) => {
        const request = body.encryptRequest;
        const result = await ciphers.encrypt(
          {
            label: request.encryptKeyName,
            algorithm: request.cipherAlgorithm,
            payload: decodeBase64(request.payload, "encryptRequest.payload"),
            tagLength: request.tagLength,
            additionalAuthenticationData: optionalBase64(request.additionalAuthenticationData, "encryptRequest.additionalAuthenticationData"),
            password: passwordOf(request.keyPassword, "encryptRequest.keyPassword"),
          },
          context,
        );
        return {
          encryptedPayload: encodeBase64(result.encrypted),
          encryptedPayloadWithoutMessageAuthenticationCode: result.tag
            ? encodeBase64(result.encrypted.subarray(0, result.encrypted.length - result.tag.length))
            : null,
          initializationVector: result.iv ? encodeBase64(result.iv) : null,
          messageAuthenticationCode: result.tag ? encodeBase64(result.tag) : null,
          keyVersion: result.keyVersion,
        };
      },
      {
        role: { role: "keyOperation", scope: "key:encrypt" },
        parse: "json",
        body: EncryptBody,
        response: withErrors(EncryptResponse, "The ciphertext, the IV and (AES_GCM) the tag."),
        detail: {
          tags: TAGS,
          operationId: "encrypt",
          summary: "Encrypt a payload with a key",
          description:
            "Encrypts with the current version of an AES key (the service draws a fresh random IV for every message) or the public " +
            "key of an RSA key. Role: keyOperation.",
        },
      },
    )
    .post(
      "/v1/synchronousDecrypt",
      async ({ body, context }) => {
        const request = body.decryptRequest;
        const plaintext = await ciphers.decrypt(
          {
            label: request.decryptKeyName,
            algorithm: request.cipherAlgorithm,
            encrypted: decodeBase64(request.encryptedPayload, "decryptRequest.encryptedPayload"),
            iv: optionalBase64(request.initializationVector, "decryptRequest.initializationVector"),
            tagLength: request.tagLength,
            additionalAuthenticationData: optionalBase64(request.additionalAuthenticationData, "decryptRequest.additionalAuthenticationData"),
            keyVersion: request.keyVersion,
            password: passwordOf(request.keyPassword, "decryptRequest.keyPassword"),
          },
          context,
        );
        return { payload: encodeBase64(plaintext) };
      },
      {
        role: { role: "keyOperation", scope: "key:decrypt" },
        parse: "json",
        body: DecryptBody,
        response: withErrors(DecryptResponse, "The plaintext."),
        detail: {
          tags: TAGS,
          operationId: "synchronousDecrypt",
          summary: "Decrypt a payload with a key",
          description:
            "Decrypts with the key version named in keyVersion (default: the current one). An AES_GCM tag that does not verify, or " +
            "padding that does not check, answers 400 with errorCode 410 and no plaintext. Role: keyOperation.",
        },
      },
    )
    .post(
      "/v1/wrap",
      async ({ body, context }) => {
        const request = body.wrapKeyRequest;
        const { wrappedKey, keyVersion } = await wrapping.wrap(
          {
            keyToBeWrapped: request.keyToBeWrapped,
            wrapKeyName: request.wrapKeyName,
            wrapMethod: request.wrapMethod,
            keyToBeWrappedPassword: passwordOf(request.keyToBeWrappedPassword, "wrapKeyRequest.keyToBeWrappedPassword"),
            wrapKeyPassword: passwordOf(request.wrapKeyPassword, "wrapKeyRequest.wrapKeyPassword"),
          },
          context,
        );
        return { wrappedKey: encodeBase64(wrappedKey), keyVersion };
      },
      {
        role: { role: "keyOperation", scope: "key:wrap" },
        parse: "json",
        body: WrapBody,
        response: withErrors(WrapResponse, "The wrapped key."),
        detail: {
          tags: TAGS,
          operationId: "wrap",
          summary: "Wrap a key under another key",
          description: "Wraps an extractable key under the current version of the wrapping key. Role: keyOperation.",
        },
      },
    )
    .post(
      "/v1/synchronousUnwrap",
      async ({ body, context, set }) => {
        const request = body.unwrapKeyRequest;
        const view = await wrapping.unwrap(
          {
            wrappedKey: decodeBase64(request.wrappedKey, "unwrapKeyRequest.wrappedKey"),
            label: request.label,
            unwrapKeyName: request.unwrapKeyName,
            wrapMethod: request.wrapMethod,
            attributes: request.attributes,
            policy: request.policy,
            keyVersion: request.keyVersion,
            algorithm: request.algorithm,
            unwrapKeyPassword: passwordOf(request.unwrapKeyPassword, "unwrapKeyRequest.unwrapKeyPassword"),
          },
          context,
        );
        // 201, as the TSB answers it (the Go client's tests expect it for an unwrap).
        set.status = 201;
        return { json: keyJson(view) };
      },
      {
        role: { role: "keyOperation", scope: "key:unwrap" },
        parse: "json",
        body: UnwrapBody,
        response: created(KeyResponse, "The new key (201 Created)."),
        detail: {
          tags: TAGS,
          operationId: "synchronousUnwrap",
          summary: "Unwrap a key into the HSM",
          description:
            "Answers 201. Unwraps the wrapped key with the named version of the unwrapping key (default: current) and stores it in the token under " +
            "`label` with the given attributes (sensitive and not extractable by default). An RSA key gets its public key object; a " +
            "PKCS#8 EC or Ed25519 key arrives without one (it signs, but does not verify in the HSM). Role: keyOperation.",
        },
      },
    )
    .post(
      "/v1/synchronousHmac",
      async ({ body, context }) => {
        const request = body.hmacRequest;
        const { mac, keyVersion } = await hmac.hmac(
          { label: request.keyName, payload: decodeBase64(request.payload, "hmacRequest.payload"), password: passwordOf(request.keyPassword, "hmacRequest.keyPassword") },
          context,
        );
        return { keyedHash: encodeBase64(mac), keyVersion };
      },
      {
        role: { role: "keyOperation", scope: "key:hmac" },
        parse: "json",
        body: HmacBody,
        response: withErrors(HmacResponse, "The keyed hash."),
        detail: {
          tags: TAGS,
          operationId: "hmac",
          summary: "HMAC a payload with a key",
          description: "Computes the key's HMAC over the payload in the HSM. Verify it with POST /v1/verify and verifyHmacRequest. Role: keyOperation.",
        },
      },
    )
    .get(
      "/v1/generateRandom/:length",
      async ({ params, context }) => ({ random: encodeBase64(await hmac.random(params.length, context)) }),
      {
        role: { role: "keyOperation", scope: "random:generate" },
        params: RandomParams,
        response: withErrors(RandomResponse, "Random bytes."),
        detail: {
          tags: TAGS,
          operationId: "generateRandom",
          summary: "Random bytes from the HSM",
          description: "Returns `length` bytes (1 to SIGNET_MAX_RANDOM_BYTES) from the token's random number generator. Role: keyOperation.",
        },
      },
    );
}

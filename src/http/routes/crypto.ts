/** Encryption and decryption: validate, translate, call the cipher service. Role: keyOperation. */
import { Elysia } from "elysia";
import type { CipherService } from "../../domain/crypto/cipher-service";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { decodeBase64, encodeBase64 } from "../encoding";
import { DecryptBody, DecryptResponse, EncryptBody, EncryptResponse } from "./crypto.model";

const TAGS = ["Synchronous Key Operations"];

function optionalBase64(value: string | null | undefined, field: string): Uint8Array | null {
  return value === null || value === undefined ? null : decodeBase64(value, field);
}

export function cryptoRoutes(auth: ReturnType<typeof authPlugin>, ciphers: CipherService) {
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
        role: "keyOperation",
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
          },
          context,
        );
        return { payload: encodeBase64(plaintext) };
      },
      {
        role: "keyOperation",
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
    );
}

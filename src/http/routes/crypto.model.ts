/** Request and response schemas of the encryption, wrapping, HMAC and random routes, in the Securosys TSB shape. */
import { t } from "elysia";
import { CIPHER_ALGORITHMS, GCM_TAG_BITS, REFUSED_CIPHERS } from "../../signer/ciphers";
import { WRAP_METHODS } from "../../signer/wrap-methods";
import { KeyAttributesInput } from "./keys.model";
import { KeyPassword } from "./signing.model";

const keyName = (description: string) => t.String({ minLength: 1, maxLength: 255, description, examples: ["payments-aes"] });
const nullableBase64 = (description: string) => t.Optional(t.Union([t.String({ description }), t.Null()]));

/** Signet extension: the key version to use where the TSB body has no such field. */
export const KeyVersionField = t.Optional(
  t.Union([t.String({ maxLength: 16, description: "Key version to use, as returned by the operation that made the data (\"v1\"); default: the current version. Signet extension.", examples: ["v1"] }), t.Null()]),
);

const cipherAlgorithm = t.String({
  maxLength: 64,
  enum: [...CIPHER_ALGORITHMS.keys(), ...REFUSED_CIPHERS.keys()],
  description:
    "AES keys: AES_GCM (random 96-bit IV, tag appended), AES_CBC_NO_PADDING (whole 16-byte blocks), AES (CBC with PKCS#7 padding), " +
    "AES_CTR (random 128-bit initial counter block). TDEA keys: TDEA_CBC (CBC with PKCS#5 padding, random 64-bit IV), " +
    "TDEA_CBC_NO_PADDING (whole 8-byte blocks). RSA keys: RSA_PADDING_OAEP_WITH_SHA1|SHA224|SHA256|SHA384|SHA512 (MGF1 with the same hash, " +
    "empty label), RSA_PADDING_OAEP (= SHA1), RSA_PADDING_PKCS and RSA (PKCS#1 v1.5). AES_ECB, TDEA_ECB and RSA_NO_PADDING are refused " +
    "(400, errorCode 600, with the reason).",
  examples: ["AES_GCM"],
});

const tagLength = t.Optional(
  t.Union([t.Integer(), t.Null()], { description: `AES_GCM tag length in bits: ${GCM_TAG_BITS.join(", ")} (default 128). Other ciphers ignore it.`, examples: [128] }),
);

const aad = nullableBase64("AES_GCM additional authenticated data, base64. Refused for other ciphers.");

export const EncryptBody = t.Object({
  encryptRequest: t.Object({
    payload: t.String({ description: "Data to encrypt, base64.", examples: ["RW5jcnlwdERlY3J5cHREZW1v"] }),
    encryptKeyName: keyName("Label of the AES or RSA key."),
    cipherAlgorithm,
    tagLength,
    additionalAuthenticationData: aad,
    keyPassword: KeyPassword,
  }),
});

export const EncryptResponse = t.Object({
  encryptedPayload: t.String({ description: "The ciphertext, base64; for AES_GCM the tag is appended (what synchronousDecrypt takes)." }),
  encryptedPayloadWithoutMessageAuthenticationCode: t.Union([t.String(), t.Null()], { description: "AES_GCM: the ciphertext without the tag; null otherwise." }),
  initializationVector: t.Union([t.String(), t.Null()], { description: "The IV the service drew, base64; null for RSA." }),
  messageAuthenticationCode: t.Union([t.String(), t.Null()], { description: "AES_GCM: the tag, base64; null otherwise." }),
  keyVersion: t.String({ description: "Version of the key that encrypted; give it back to decrypt after a rotation.", examples: ["v1"] }),
});

export const DecryptBody = t.Object({
  decryptRequest: t.Object({
    encryptedPayload: t.String({ description: "The ciphertext, base64 (AES_GCM: with the tag appended)." }),
    decryptKeyName: keyName("Label of the AES or RSA key."),
    cipherAlgorithm,
    initializationVector: nullableBase64("The IV returned by the encryption, base64 (AES ciphers)."),
    tagLength,
    additionalAuthenticationData: aad,
    keyVersion: KeyVersionField,
    keyPassword: KeyPassword,
  }),
});

export const DecryptResponse = t.Object({ payload: t.String({ description: "The plaintext, base64." }) });

const wrapMethod = t.String({
  maxLength: 64,
  enum: [...WRAP_METHODS.keys()],
  description:
    "AES_WRAP (RFC 3394) and AES_WRAP_PAD (RFC 5649) wrap secret keys (AES, TDEA, HMAC) under an AES key; AES_WRAP_PAD_RSA, " +
    "AES_WRAP_PAD_EC, AES_WRAP_PAD_ED and AES_WRAP_PAD_DSA wrap private keys (PKCS#8) of that type under an AES key; RSA_WRAP_OAEP (OAEP " +
    "with SHA-1 and MGF1-SHA-1) wraps secret keys under an RSA key.",
  examples: ["AES_WRAP_PAD"],
});

export const WrapBody = t.Object({
  wrapKeyRequest: t.Object({
    keyToBeWrapped: keyName("Label of the key to wrap; it must be extractable."),
    keyToBeWrappedPassword: KeyPassword,
    wrapKeyName: keyName("Label of the wrapping key (AES, or RSA for RSA_WRAP_OAEP); it must have the wrap attribute (given as unwrap)."),
    wrapKeyPassword: KeyPassword,
    wrapMethod,
  }),
});

export const WrapResponse = t.Object({
  wrappedKey: t.String({ description: "The wrapped key, base64." }),
  keyVersion: t.String({ description: "Version of the wrapping key; give it back to unwrap after a rotation.", examples: ["v1"] }),
});

export const UnwrapBody = t.Object({
  unwrapKeyRequest: t.Object({
    wrappedKey: t.String({ description: "The wrapped key, base64." }),
    label: t.String({ minLength: 1, maxLength: 255, description: "Label of the new key; unique.", examples: ["imported-aes"] }),
    unwrapKeyName: keyName("Label of the unwrapping key."),
    unwrapKeyPassword: KeyPassword,
    wrapMethod,
    attributes: t.Optional(t.Union([KeyAttributesInput, t.Null()])),
    policy: t.Optional(t.Unknown({ description: "TSB key policy of the new key; stored and returned as given." })),
    keyVersion: KeyVersionField,
    algorithm: t.Optional(
      t.Union([t.String({ maxLength: 32, description: "Type of a wrapped secret key: AES (default), TDEA, HMACSHA256, HMACSHA384 or HMACSHA512. Signet extension." }), t.Null()]),
    ),
  }),
});

export const HmacBody = t.Object({
  hmacRequest: t.Object({
    keyName: keyName("Label of the HMAC key (HMACSHA256, HMACSHA384 or HMACSHA512); the key's own HMAC is computed."),
    payload: t.String({ description: "Data, base64.", examples: ["UGF5bG9hZA=="] }),
    keyPassword: KeyPassword,
  }),
});


export const HmacResponse = t.Object({
  keyedHash: t.String({ description: "The HMAC, base64." }),
  keyVersion: t.String({ description: "Version of the key (Signet extension).", examples: ["v1"] }),
});

export const RandomParams = t.Object({ length: t.Integer({ description: "Number of random bytes.", examples: [32] }) });

export const RandomResponse = t.Object({ random: t.String({ description: "Random bytes from the token's generator, base64." }) });

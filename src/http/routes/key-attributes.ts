/**
 * Reading a key as the TSB answers it: GET /v1/key/{label}/attributes and its body form POST
 * /v1/key/attributes {label, password} (what the TSB Go client's GetKey sends), both answering
 * {json, xml, xmlSignature, attestationKeyName}; and the attestation key that signs the XML.
 * Role keyManagement, scope key:read.
 *
 * The Go client reads every one of those fields with unchecked type assertions (xml,
 * xmlSignature and attestationKeyName as strings, json.algorithmOid as a string, json.id only
 * when it is null), so every answer carries all of them, as strings, and json.id is null.
 */
import { Elysia } from "elysia";
import type { AttestedKey, KeyAttestation } from "../../domain/keys/key-attestation";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { keyJson } from "./keys";
import { AttestationKeyResponse, KeyAttributesResponse, KeyWithPasswordBody, LabelParams } from "./keys.model";

const TAGS = ["Keys"];

function answer(attested: AttestedKey) {
  return { json: keyJson(attested.view), xml: attested.xml, xmlSignature: attested.xmlSignature, attestationKeyName: attested.attestationKeyName };
}

const DESCRIPTION =
  "The key's attributes, public key, policy and versions (`json`), and the same attributes read from the token as XML (`xml`), " +
  "signed with SHA256_WITH_ECDSA by Signet's attestation key in the HSM (`xmlSignature`, DER, base64; the key is named in " +
  "`attestationKeyName`, its public key at GET /v1/attestation/publicKey).";

export function keyAttributeRoutes(auth: ReturnType<typeof authPlugin>, attestation: KeyAttestation) {
  return new Elysia({ name: "signet.routes.key-attributes" })
    .use(auth)
    .post("/v1/key/attributes", async ({ body, context }) => answer(await attestation.attest(body.label, passwordOf(body.password, "password"), context)), {
      role: { role: "keyManagement", scope: "key:read" },
      parse: "json",
      body: KeyWithPasswordBody,
      response: withErrors(KeyAttributesResponse, "The key's attributes, as JSON and as signed XML."),
      detail: {
        tags: TAGS,
        operationId: "getKeyAttributesWithKeyPassword",
        summary: "Read a key's attributes (with its password)",
        description: `${DESCRIPTION} A key with a password needs it (403, errorCode 620 otherwise).`,
      },
    })
    .get("/v1/key/:label/attributes", async ({ params, context }) => answer(await attestation.attest(params.label, null, context)), {
      role: { role: "keyManagement", scope: "key:read" },
      params: LabelParams,
      response: withErrors(KeyAttributesResponse, "The key's attributes, as JSON and as signed XML."),
      detail: {
        tags: TAGS,
        operationId: "getKeyAttributes",
        summary: "Read a key's attributes",
        description: `${DESCRIPTION} A key with a password is read with POST /v1/key/attributes, which carries it (here: 403, errorCode 620).`,
      },
    })
    .get("/v1/attestation/publicKey", () => attestation.publicKey(), {
      role: { role: "keyManagement", scope: "key:read" },
      response: withErrors(AttestationKeyResponse, "The attestation key's public key."),
      detail: {
        tags: TAGS,
        operationId: "getAttestationPublicKey",
        summary: "The public key that verifies xmlSignature",
        description:
          "The attestation key is an ECDSA P-256 key Signet made in the token at first start (not extractable, not destroyable, unusable " +
          "through the API). Pin this key: `openssl dgst -sha256 -verify attestation.pem -signature signature.der key.xml`.",
      },
    });
}

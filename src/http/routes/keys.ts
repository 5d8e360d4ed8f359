/** Key management routes: create, list, read attributes, delete. Role: keyManagement. */
import { Elysia } from "elysia";
import type { KeyService, KeyView } from "../../domain/keys/key-service";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { CreateKeyBody, KeyLabels, KeyResponse, LabelParams } from "./keys.model";

/** The TSB's `json` object for a key. */
export function keyJson(view: KeyView) {
  return {
    label: view.label,
    id: null,
    algorithm: view.algorithm,
    algorithmOid: view.algorithmOid,
    curveOid: view.curveOid,
    keySize: view.keySize,
    createTime: view.createTime,
    publicKey: view.publicKey,
    addressTruncated: null,
    attributes: {
      decrypt: view.attributes.decrypt,
      sign: view.attributes.sign,
      ekaSign: null,
      unwrap: view.attributes.unwrap,
      derive: view.attributes.derive,
      sensitive: view.attributes.sensitive,
      alwaysSensitive: view.attributes.alwaysSensitive,
      extractable: view.attributes.extractable,
      neverExtractable: view.attributes.neverExtractable,
      modifiable: view.attributes.modifiable,
      copyable: view.attributes.copyable,
      destroyable: view.attributes.destroyable,
    },
    policy: view.policy,
    keyVersion: view.keyVersion,
    versions: view.versions,
  };
}

const TAGS = ["Keys"];

export function keyRoutes(auth: ReturnType<typeof authPlugin>, keys: KeyService) {
  return new Elysia({ name: "signet.routes.keys" })
    .use(auth)
    .post("/v1/key", async ({ body, context }) => ({ json: keyJson(await keys.create(body, context)) }), {
      role: "keyManagement",
      parse: "json",
      body: CreateKeyBody,
      response: withErrors(KeyResponse, "The new key."),
      detail: {
        tags: TAGS,
        operationId: "createKey",
        summary: "Create a key in the HSM",
        description:
          "Generates an RSA, EC or Ed25519 key pair, an AES key, or an HMAC key inside the token as token objects labelled with " +
          "`label`. The private or secret key is sensitive and not extractable unless asked. A label already in use is refused.",
      },
    })
    .get("/v1/key", ({ context }) => keys.list(context), {
      role: "keyManagement",
      response: withErrors(KeyLabels, "Labels of every key on the token."),
      detail: { tags: TAGS, operationId: "listKeys", summary: "List key labels", },
    })
    .get(
      "/v1/key/:label/attributes",
      async ({ params, context }) => ({ json: keyJson(await keys.describe(params.label, context)) }),
      {
        role: "keyManagement",
        params: LabelParams,
        response: withErrors(KeyResponse, "The key's attributes, public key and versions."),
        detail: {
          tags: TAGS,
          operationId: "getKeyAttributes",
          summary: "Read a key's attributes and public key",
        },
      },
    )
    .delete(
      "/v1/key/:label",
      async ({ params, context, set }) => {
        await keys.delete(params.label, context);
        set.status = 200;
        return null;
      },
      {
        role: "keyManagement",
        params: LabelParams,
        detail: {
          tags: TAGS,
          operationId: "deleteKey",
          summary: "Delete a key",
          description: "Removes every object (and every version) of the key from the token. Refused for a key that is not destroyable.",
        },
      },
    );
}

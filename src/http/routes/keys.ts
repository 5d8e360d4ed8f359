/**
 * Key management routes: create, import, export, list, delete. Role keyManagement; scopes key:manage,
 * key:read, key:import, key:export. Reading a key's attributes (GET and POST), deleteKey and
 * changePassword are in key-attributes.ts and key-passwords.ts.
 */
import { Elysia } from "elysia";
import type { KeyService, KeyView } from "../../domain/keys/key-service";
import type { KeyTransferService } from "../../domain/keys/key-transfer";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { decodeBase64, encodeBase64 } from "../encoding";
import { pemOrBase64 } from "./certificates";
import { CreateKeyBody, ExportKeyBody, ExportKeyResponse, ImportKeyBody, KeyLabels, KeyResponse, LabelParams } from "./keys.model";

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
    minimumVersion: view.minimumVersion,
    blocked: view.blocked,
    passwordProtected: view.passwordProtected,
  };
}

const TAGS = ["Keys"];

function optionalBase64(value: string | null | undefined, field: string): Uint8Array | null {
  return value === null || value === undefined ? null : decodeBase64(value, field);
}

export function keyRoutes(auth: ReturnType<typeof authPlugin>, keys: KeyService, transfer: KeyTransferService) {
  return new Elysia({ name: "signet.routes.keys" })
    .use(auth)
    .post("/v1/key", async ({ body, context }) => ({ json: keyJson(await keys.create({ ...body, password: passwordOf(body.password, "password") }, context)) }), {
      role: { role: "keyManagement", scope: "key:manage" },
      parse: "json",
      body: CreateKeyBody,
      response: withErrors(KeyResponse, "The new key."),
      detail: {
        tags: TAGS,
        operationId: "createKey",
        summary: "Create a key in the HSM",
        description:
          "Generates an RSA, EC, Ed25519 or DSA key pair, an AES or TDEA key, or an HMAC key inside the token as token objects labelled " +
          "with `label`. The private or secret key is sensitive and not extractable unless asked. A label already in use is refused " +
          "(400, errorCode 608) and nothing changes: this is how the TSB clients' CreateOrUpdateKey uses the route (their `modify` " +
          "argument is never sent; a key is changed with synchronousModify and changePassword, rotated by creating a new label). " +
          "A key type the token cannot make answers 400 with errorCode 681 naming the missing mechanism.",
      },
    })
    .post(
      "/v1/key/import/plain",
      async ({ body, context }) => {
        const view = await transfer.import(
          {
            label: body.label,
            algorithm: body.algorithm,
            privateKey: optionalBase64(body.privateKey, "privateKey"),
            publicKey: optionalBase64(body.publicKey, "publicKey"),
            secretKey: optionalBase64(body.secretKey, "secretKey"),
            certificate: body.certificate ? pemOrBase64(body.certificate, "certificate") : null,
            attributes: body.attributes,
            policy: body.policy,
            password: passwordOf(body.password, "password"),
          },
          context,
        );
        return { json: keyJson(view) };
      },
      {
        role: { role: "keyManagement", scope: "key:import" },
        parse: "json",
        body: ImportKeyBody,
        response: withErrors(KeyResponse, "The imported key."),
        detail: {
          tags: TAGS,
          operationId: "importPlainKey",
          summary: "Import plain key material into the HSM",
          description:
            "Creates a key in the token from a PKCS#8 private key (RSA of 2048 bits or more, EC on a supported curve, Ed25519) or a raw " +
            "secret key (AES, HMAC). The key behaves like a generated one; its attributes default to sensitive and not extractable.",
        },
      },
    )
    .post(
      "/v1/key/export/plain",
      async ({ body, context }) => {
        const exported = await transfer.export(body.label, body.keyVersion, context, passwordOf(body.password, "password"));
        const b64 = (value: Uint8Array | null) => (value ? encodeBase64(value) : null);
        return {
          label: exported.label,
          algorithm: exported.algorithm,
          keyVersion: exported.keyVersion,
          privateKey: b64(exported.privateKey),
          publicKey: b64(exported.publicKey),
          secretKey: b64(exported.secretKey),
        };
      },
      {
        role: { role: "keyManagement", scope: "key:export" },
        parse: "json",
        body: ExportKeyBody,
        response: withErrors(ExportKeyResponse, "The key material."),
        detail: {
          tags: TAGS,
          operationId: "exportPlainKey",
          summary: "Export a key's plain material",
          description:
            "Returns the key's material (PKCS#8 and SubjectPublicKeyInfo, or the raw secret key) when the key is extractable and not " +
            "sensitive; otherwise 403 with errorCode 614.",
        },
      },
    )
    .get("/v1/key", ({ context }) => keys.list(context), {
      role: { role: "keyManagement", scope: "key:read" },
      response: withErrors(KeyLabels, "Labels of every key on the token."),
      detail: { tags: TAGS, operationId: "listKeys", summary: "List key labels", },
    })
    .delete(
      "/v1/key/:label",
      async ({ params, context, set }) => {
        // No body to carry a password: a key with one is deleted with POST /v1/key/deleteKey.
        await keys.delete(params.label, context, null);
        set.status = 200;
        return null;
      },
      {
        role: { role: "keyManagement", scope: "key:manage" },
        params: LabelParams,
        detail: {
          tags: TAGS,
          operationId: "deleteKey",
          summary: "Delete a key",
          description:
            "Removes every object (and every version) of the key from the token. Refused for a key that is not destroyable (403, 614) " +
            "and for a key with a password (403, 620: use POST /v1/key/deleteKey, which carries it).",
        },
      },
    );
}

/**
 * Routes that change a key's state: synchronousBlock / synchronousUnblock (role keyOperation,
 * as in the TSB), synchronousModify, rotation and the minimum version (role keyManagement).
 * Each answers the key's `json` object as it is afterwards.
 */
import { Elysia, t } from "elysia";
import type { KeyLifecycleService } from "../../domain/keys/key-lifecycle";
import type { KeyService } from "../../domain/keys/key-service";
import { SignetError } from "../../errors";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { BlockBody, MinimumVersionBody, ModifyBody, RotateBody, UnblockOrBlockBody } from "./key-state.model";
import { keyJson } from "./keys";
import { KeyResponse, LabelParams } from "./keys.model";

export function keyStateRoutes(auth: ReturnType<typeof authPlugin>, keys: KeyService, lifecycle: KeyLifecycleService) {
  return new Elysia({ name: "signet.routes.key-state" })
    .use(auth)
    .post("/v1/synchronousBlock", async ({ body, context }) => {
      const request = body.blockRequest;
      return { json: keyJson(await lifecycle.block(request.blockKeyName, context, passwordOf(request.keyPassword, "blockRequest.keyPassword"))) };
    }, {
      role: { role: "keyOperation", scope: "key:block" },
      parse: "json",
      body: BlockBody,
      response: withErrors(KeyResponse, "The key, now blocked."),
      detail: {
        tags: ["Synchronous Key Operations"],
        operationId: "synchronousBlock",
        summary: "Block a key",
        description: "Every operation on a blocked key is refused (403, errorCode 660) until it is unblocked; the state survives restarts.",
      },
    })
    .post(
      "/v1/synchronousUnblock",
      async ({ body, context }) => {
        const label = body.unblockRequest?.unblockKeyName ?? body.blockRequest?.blockKeyName;
        if (!label) throw new SignetError("inputValidation", "unblockRequest.unblockKeyName is missing");
        const password = body.unblockRequest ? passwordOf(body.unblockRequest.keyPassword, "unblockRequest.keyPassword") : passwordOf(body.blockRequest?.keyPassword, "blockRequest.keyPassword");
        return { json: keyJson(await lifecycle.unblock(label, context, password)) };
      },
      {
        role: { role: "keyOperation", scope: "key:block" },
        parse: "json",
        body: UnblockOrBlockBody,
        response: withErrors(KeyResponse, "The key, now usable."),
        detail: { tags: ["Synchronous Key Operations"], operationId: "synchronousUnblock", summary: "Unblock a key" },
      },
    )
    .post(
      "/v1/synchronousModify",
      async ({ body, context }) => {
        const request = body.modifyRequest;
        const password = passwordOf(request.keyPassword, "modifyRequest.keyPassword");
        return { json: keyJson(await lifecycle.modify({ label: request.modifyKeyName, policy: request.policy, attributes: request.attributes, password }, context)) };
      },
      {
        role: { role: "keyManagement", scope: "key:manage" },
        parse: "json",
        body: ModifyBody,
        response: withErrors(KeyResponse, "The key as modified."),
        detail: {
          tags: ["Keys"],
          operationId: "synchronousModify",
          summary: "Change a key's policy or tighten its attributes",
          description:
            "Replaces the key's policy and/or tightens its attributes on every version. Only a modifiable key changes (403, 614 otherwise); " +
            "attributes only tighten (400, 606 otherwise).",
        },
      },
    )
    .post("/v1/key/:label/rotate", async ({ params, body, context }) => ({ json: keyJson(await keys.rotate(params.label, context, passwordOf(body?.password, "password"))) }), {
      role: { role: "keyManagement", scope: "key:manage" },
      params: LabelParams,
      body: t.Optional(t.Union([RotateBody, t.Null()])),
      response: withErrors(KeyResponse, "The key with its new current version."),
      detail: {
        tags: ["Keys"],
        operationId: "rotateKey",
        summary: "Make a new version of a key",
        description:
          "Generates a new version of the key in the token (same label and type, a new CKA_ID). Signing, encryption, HMAC and wrapping use " +
          "the newest version and answer it as keyVersion; verify, decrypt and unwrap use the version named in the request (Signet extension " +
          "keyVersion), so data made with an older version stays usable down to the minimum version.",
      },
    })
    .post(
      "/v1/key/:label/minimumVersion",
      async ({ params, body, context }) => ({
        json: keyJson(await lifecycle.setMinimumVersion(params.label, body.minimumVersion, context, passwordOf(body.password, "password"))),
      }),
      {
        role: { role: "keyManagement", scope: "key:manage" },
        params: LabelParams,
        parse: "json",
        body: MinimumVersionBody,
        response: withErrors(KeyResponse, "The key with its minimum version."),
        detail: {
          tags: ["Keys"],
          operationId: "setMinimumKeyVersion",
          summary: "Set the version below which a key is refused",
          description: "Operations naming a version below it answer 403 with errorCode 662. At most the current version.",
        },
      },
    );
}

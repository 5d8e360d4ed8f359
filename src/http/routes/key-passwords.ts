/**
 * The TSB's body forms for deleting a key and changing its password: POST /v1/key/deleteKey
 * {label, password} beside DELETE /v1/key/{label}, and POST /v1/key/changePassword {label,
 * password, newPassword}. Role keyManagement, scope key:manage.
 */
import { Elysia } from "elysia";
import type { KeyLifecycleService } from "../../domain/keys/key-lifecycle";
import type { KeyService } from "../../domain/keys/key-service";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { keyJson } from "./keys";
import { ChangePasswordBody, KeyResponse, KeyWithPasswordBody } from "./keys.model";

const TAGS = ["Keys"];

export function keyPasswordRoutes(auth: ReturnType<typeof authPlugin>, keys: KeyService, lifecycle: KeyLifecycleService) {
  return new Elysia({ name: "signet.routes.key-passwords" })
    .use(auth)
    .post(
      "/v1/key/deleteKey",
      async ({ body, context, set }) => {
        await keys.delete(body.label, context, passwordOf(body.password, "password"));
        set.status = 200;
        return null;
      },
      {
        role: { role: "keyManagement", scope: "key:manage" },
        parse: "json",
        body: KeyWithPasswordBody,
        detail: {
          tags: TAGS,
          operationId: "deleteKeyWithPassword",
          summary: "Delete a key (with its password)",
          description:
            "Removes every object (and every version) of the key from the token, as DELETE /v1/key/{label} does; a key with a password " +
            "needs it (403, errorCode 620). Refused for a key that is not destroyable (403, 614). Answers 200 with an empty body.",
        },
      },
    )
    .post(
      "/v1/key/changePassword",
      async ({ body, context }) => ({
        json: keyJson(await lifecycle.changePassword(body.label, passwordOf(body.password, "password"), passwordOf(body.newPassword, "newPassword"), context)),
      }),
      {
        role: { role: "keyManagement", scope: "key:manage" },
        parse: "json",
        body: ChangePasswordBody,
        response: withErrors(KeyResponse, "The key, with its new password."),
        detail: {
          tags: TAGS,
          operationId: "changeKeyPassword",
          summary: "Change (set, or remove) a key's password",
          description:
            "The current password must be given (none for a key without one; 403, errorCode 620 otherwise) and the key must be modifiable " +
            "(403, 614), as on the TSB. An empty or absent newPassword removes the password. Requests still on their way with the old " +
            "password are refused from the moment the change is answered.",
        },
      },
    );
}

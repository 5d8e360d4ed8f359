/**
 * The admin API for clients and their credentials (role admin, scope admin:clients). The
 * secret of a new or rotated credential is in the answer of the call that made it and
 * nowhere else, ever. Clients are named by id in paths.
 */
import { Elysia, t } from "elysia";
import type { ClientAdminService } from "../../domain/access/client-admin";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import {
  ClientParams,
  ClientResponse,
  CreateClientBody,
  CreateCredentialBody,
  CredentialParams,
  CredentialResponse,
  NewCredentialResponse,
  RotateBody,
  RotateResponse,
  UpdateClientBody,
} from "./admin.model";

const TAGS = ["Clients"];
const ACCESS = { role: "admin", scope: "admin:clients" } as const;

export function adminRoutes(auth: ReturnType<typeof authPlugin>, admin: ClientAdminService) {
  return new Elysia({ name: "signet.routes.admin", prefix: "/v1/admin/clients" })
    .use(auth)
    .post(
      "",
      ({ body, context, set }) => {
        set.status = 201;
        return admin.createClient(body, context);
      },
      {
        role: ACCESS,
        parse: "json",
        body: CreateClientBody,
        response: { ...withErrors(ClientResponse, "The new client."), 201: ClientResponse },
        detail: { tags: TAGS, operationId: "createClient", summary: "Create a client", description: "A client has no credential until one is created for it." },
      },
    )
    .get("", () => admin.listClients(), {
      role: ACCESS,
      response: withErrors(t.Array(ClientResponse), "Every client."),
      detail: { tags: TAGS, operationId: "listClients", summary: "List clients" },
    })
    .get("/:id", ({ params }) => admin.client(params.id), {
      role: ACCESS,
      params: ClientParams,
      response: withErrors(ClientResponse, "The client."),
      detail: { tags: TAGS, operationId: "getClient", summary: "Read a client" },
    })
    .patch("/:id", ({ params, body, context }) => admin.updateClient(params.id, body, context), {
      role: ACCESS,
      parse: "json",
      params: ClientParams,
      body: UpdateClientBody,
      response: withErrors(ClientResponse, "The client as changed."),
      detail: { tags: TAGS, operationId: "updateClient", summary: "Change a client's roles, scopes, keys, ranges or rate limit", description: "Fields left out keep their value; null clears a restriction." },
    })
    .post("/:id/disable", ({ params, context }) => admin.setDisabled(params.id, true, context), {
      role: ACCESS,
      params: ClientParams,
      response: withErrors(ClientResponse, "The disabled client."),
      detail: { tags: TAGS, operationId: "disableClient", summary: "Disable a client", description: "Every credential of the client stops working (API keys answer 631). A client cannot disable itself." },
    })
    .post("/:id/enable", ({ params, context }) => admin.setDisabled(params.id, false, context), {
      role: ACCESS,
      params: ClientParams,
      response: withErrors(ClientResponse, "The enabled client."),
      detail: { tags: TAGS, operationId: "enableClient", summary: "Enable a client again" },
    })
    .post(
      "/:id/credentials",
      ({ params, body, context, set }) => {
        set.status = 201;
        return admin.createCredential(params.id, body, context);
      },
      {
        role: ACCESS,
        parse: "json",
        params: ClientParams,
        body: CreateCredentialBody,
        response: { ...withErrors(NewCredentialResponse, "The new credential and its secret."), 201: NewCredentialResponse },
        detail: {
          tags: TAGS,
          operationId: "createCredential",
          summary: "Create an API key or ticket, or register a client certificate",
          description: "A client may hold several credentials at once, so that they can be rolled over. The secret is in this answer only.",
        },
      },
    )
    .get("/:id/credentials", ({ params }) => admin.credentials(params.id), {
      role: ACCESS,
      params: ClientParams,
      response: withErrors(t.Array(CredentialResponse), "The client's credentials, without secrets."),
      detail: { tags: TAGS, operationId: "listCredentials", summary: "List a client's credentials" },
    })
    .post("/:id/credentials/:credentialId/revoke", ({ params, context }) => admin.revokeCredential(params.id, params.credentialId, context), {
      role: ACCESS,
      params: CredentialParams,
      response: withErrors(CredentialResponse, "The revoked credential."),
      detail: { tags: TAGS, operationId: "revokeCredential", summary: "Revoke one credential", description: "Takes effect at once in this process, within 5 s in others." },
    })
    .post(
      "/:id/credentials/:credentialId/rotate",
      ({ params, body, context, set }) => {
        set.status = 201;
        return admin.rotateCredential(params.id, params.credentialId, body ?? {}, context);
      },
      {
        role: ACCESS,
        params: CredentialParams,
        body: t.Optional(RotateBody),
        response: { ...withErrors(RotateResponse, "The successor and its secret."), 201: RotateResponse },
        detail: {
          tags: TAGS,
          operationId: "rotateCredential",
          summary: "Replace an API key or ticket by a new one",
          description: "The successor gets a new secret and the same kind, name and length of validity; the old one stays valid for overlapSeconds.",
        },
      },
    );
}

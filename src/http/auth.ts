/**
 * Authentication as an Elysia macro: a route declares `role: "keyOperation"` and receives the
 * principal and the operation context. The check runs in the transform phase, before the
 * body is validated, so that a caller without a valid key learns nothing about the route's
 * schema; a missing or wrong key is 401, a key without the role 403.
 */
import { Elysia } from "elysia";
import type { AccessService, Principal } from "../domain/access";
import type { OperationContext } from "../domain/context";
import type { Role } from "../domain/roles";
import { requestIdOf } from "./request-id";

export function authPlugin(access: AccessService) {
  const principals = new WeakMap<Request, Principal>();
  return new Elysia({ name: "signet.auth" }).macro({
    role: (role: Role) => ({
      transform({ request }) {
        const principal = access.authenticate(request.headers.get("x-api-key"));
        access.requireRole(principal, role);
        principals.set(request, principal);
      },
      resolve({ request, server }) {
        const principal = principals.get(request)!;
        const context: OperationContext = {
          actor: principal.clientId,
          requestId: requestIdOf(request),
          clientAddress: server?.requestIP(request)?.address ?? null,
        };
        return { principal, context };
      },
    }),
  });
}

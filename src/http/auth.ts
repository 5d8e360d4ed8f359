/**
 * Authentication and authorisation as Elysia macros, table-driven from the route:
 *
 *   role: "keyOperation"                              the role alone
 *   role: { role: "keyOperation", scope: "key:sign" }  the role and a fine scope
 *   authenticated: true                                any client (POST /v1/auth/token)
 *
 * The route receives the principal and the operation context (with the client's key grant,
 * which the domain services check where a key is used). The checks run in the transform
 * phase, before the body is validated, so that a caller without access learns nothing about
 * the route's schema. Order: who (401), from where and how often (403 address, 429 rate),
 * may it (403 role, 403 scope). A scope must belong to the role it is declared with; a
 * route declaring otherwise stops the app from being built.
 */
import { Elysia } from "elysia";
import type { AccessService, Principal, RouteRequirement } from "../domain/access";
import { SCOPES, type Scope } from "../domain/access/scopes";
import type { OperationContext } from "../domain/context";
import type { Role } from "../domain/roles";
import type { RequestFacts } from "./request-facts";

export type RouteAccess = Role | { role: Role; scope: Scope };

export function requirementOf(access: RouteAccess): RouteRequirement {
  if (typeof access === "string") return { role: access };
  if (SCOPES[access.scope].role !== access.role) {
    throw new Error(`scope ${access.scope} belongs to role ${SCOPES[access.scope].role}, not ${access.role}`);
  }
  return { role: access.role, scope: access.scope };
}

export function authPlugin(access: AccessService, facts: RequestFacts) {
  const principals = new WeakMap<Request, Principal>();
  const resolve = ({ request }: { request: Request }): { principal: Principal; context: OperationContext } => {
    const principal = principals.get(request)!;
    return { principal, context: access.contextFor(principal, facts.origin(request)) };
  };
  return new Elysia({ name: "signet.auth" }).macro({
    role: (declared: RouteAccess) => {
      const requirement = requirementOf(declared);
      return {
        transform({ request }) {
          const origin = facts.origin(request);
          const principal = access.authenticate(facts.credentials(request), origin);
          access.admit(principal, origin);
          access.requireGrant(principal, requirement, origin);
          principals.set(request, principal);
        },
        resolve,
      };
    },
    authenticated: (_enabled: true) => ({
      transform({ request }) {
        const origin = facts.origin(request);
        const principal = access.authenticate(facts.credentials(request), origin, { allowBearer: false });
        access.admit(principal, origin);
        principals.set(request, principal);
      },
      resolve,
    }),
  });
}

/**
 * Authorisation is declared on each route (src/http/auth.ts): a role with a scope from the
 * catalogue (src/domain/access/scopes.ts), `authenticated: true`, or deliberately nothing for
 * the few public routes. A route that names only a role cannot be narrowed by scopes, so it
 * is caught here; a scope of another role is refused when the app is built.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { requirementOf } from "../../src/http/auth";
import { ROOT } from "../support/server";

const ROUTES = join(ROOT, "src/http/routes");
/** Routes anyone may call: liveness, the public JWK set, the docs. */
const PUBLIC = ["/health", "/.well-known/jwks.json"];

test("every route declares a role with a scope, or is one of the public ones", () => {
  const problems: string[] = [];
  for (const file of readdirSync(ROUTES).filter((f) => f.endsWith(".ts") && !f.endsWith(".model.ts"))) {
    const source = readFileSync(join(ROUTES, file), "utf8");
    for (const match of source.matchAll(/^\s*role:\s*"(\w+)",?\s*$/gm)) problems.push(`${file}: role "${match[1]}" without a scope`);
    const routes = [...source.matchAll(/\.(get|post|put|patch|delete)\(\s*"([^"]*)"/g)].map((m) => m[2]!);
    const guarded = [...source.matchAll(/role:\s*(\{|ACCESS)|authenticated:\s*true/g)].length;
    const open = routes.filter((path) => PUBLIC.includes(path)).length;
    if (guarded + open < routes.length) problems.push(`${file}: ${routes.length} routes, ${guarded} guarded, ${open} public`);
  }
  expect(problems).toEqual([]);
});

test("a scope declared with another role stops the app from being built", () => {
  expect(() => requirementOf({ role: "service", scope: "key:sign" })).toThrow("belongs to role keyOperation");
  expect(requirementOf({ role: "keyOperation", scope: "key:sign" })).toEqual({ role: "keyOperation", scope: "key:sign" });
});

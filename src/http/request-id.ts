/**
 * Every request gets an id, echoed in X-Request-Id and recorded with what the request did.
 * A caller's own X-Request-Id is kept when it is a plain token of sensible length.
 */
import { randomUUID } from "node:crypto";

const ids = new WeakMap<Request, string>();
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export function assignRequestId(request: Request): string {
  const offered = request.headers.get("x-request-id");
  const id = offered && ACCEPTABLE.test(offered) ? offered : randomUUID();
  ids.set(request, id);
  return id;
}

export function requestIdOf(request: Request): string {
  return ids.get(request) ?? assignRequestId(request);
}

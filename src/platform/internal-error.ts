/**
 * What the listener answers when something fails outside the app's own error handling (a
 * route that fails to compile, a throw in the adapter): the TSB error body of a defect, never
 * a stack trace or the runtime's error page.
 */
export function internalError(): Response {
  return new Response(JSON.stringify({ errorCode: 100, reason: "res.error.impl", message: "internal error" }), {
    status: 500,
    headers: { "content-type": "application/json", "x-content-type-options": "nosniff", "cache-control": "no-store" },
  });
}

/**
 * API groups ("modules") that configuration can switch off. A disabled group's routes are
 * never mounted, so they answer 404 like any unknown path: a disabled module cannot be
 * reached by any credential. The names match config.ts's API_MODULES (a test checks): a copy
 * on purpose, since the configuration and the HTTP layer do not import each other
 * (test/arch/layers.test.ts); main.ts hands the one to the other.
 */
export const HTTP_MODULES = [
  "keyManagement",
  "keyOperations",
  "certificates",
  "lifecycle",
  "audit",
  "management",
  "token",
  "auth",
  "admin",
  "docs",
] as const;

export type HttpModule = (typeof HTTP_MODULES)[number];

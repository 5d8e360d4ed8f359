/** Runs test/support/jwt-verify.mjs under Node.js: JWTs checked by `jose` against a JWK set. */
import { join } from "node:path";
import { ROOT } from "./server";

export interface JwtJob {
  token: string;
  algorithm: string;
  issuer?: string;
  audience?: string;
}

export interface JwtResult {
  valid: boolean;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  error?: string;
}

export async function verifyJwts(jwks: unknown, jobs: JwtJob[]): Promise<JwtResult[]> {
  const proc = Bun.spawn(["node", join(ROOT, "test/support/jwt-verify.mjs")], {
    cwd: ROOT,
    stdin: new Blob([JSON.stringify({ jwks, jobs })]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`node JWT verifier failed: ${err}`);
  return JSON.parse(out) as JwtResult[];
}

/** Helpers for the audit tests: exports, the offline CLI verifier, and tampering with a data directory. */
import { Database } from "bun:sqlite";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, ROOT, tempDir, type RunningSignet } from "./server";

export async function exportBundle(signet: RunningSignet, format: "json" | "csv" | "xml", query = ""): Promise<string> {
  const response = await signet.request("GET", `/v1/audit/export?format=${format}${query ? `&${query}` : ""}`);
  if (response.status !== 200) throw new Error(`export failed: ${response.status} ${await response.text()}`);
  return response.text();
}

/** How many stored checkpoints hold this very signed note, read from the database file of a data directory (a server may run on it). */
export function storedCheckpoints(dataDir: string, note: string): number {
  const db = new Database(join(dataDir, "signet.db"), { readonly: true });
  try {
    return (db.query("SELECT count(*) AS n FROM audit_checkpoints WHERE note = ?").get(note) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Runs `bun src/cli.ts audit verify` on files; returns its exit code and the JSON it printed. */
export async function verifyWithCli(bundle: string, publicKey: string): Promise<{ code: number; result: any; stderr: string }> {
  const dir = tempDir("cli-verify");
  writeFileSync(join(dir, "bundle"), bundle);
  writeFileSync(join(dir, "key"), publicKey);
  const proc = Bun.spawn([BUN, "src/cli.ts", "audit", "verify", "--bundle", join(dir, "bundle"), "--public-key", join(dir, "key")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (!out.trim()) throw new Error(`audit verify printed nothing (exit ${code}): ${err}`);
  return { code, result: JSON.parse(out), stderr: err };
}

/** A copy of a stopped server's data directory, its embedded token included, usable on its own. */
export function copyDataDir(from: string): string {
  const to = tempDir("copy");
  cpSync(from, to, { recursive: true });
  const conf = join(to, "hsm/softhsm2.conf");
  writeFileSync(conf, readFileSync(conf, "utf8").replace(join(from, "hsm/tokens"), join(to, "hsm/tokens")));
  return to;
}

/**
 * The openssl command line as an independent verifier of CSRs and certificates: files in a
 * temporary directory, one process per check.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OpensslResult {
  code: number;
  out: string;
}

/** Runs openssl with `files` written into a fresh directory; `{name}` in args stands for a file's path. */
export function openssl(args: string[], files: Record<string, string | Uint8Array> = {}, stdin?: string | Uint8Array): OpensslResult {
  const dir = mkdtempSync(join(tmpdir(), "signet-openssl-"));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const resolved = args.map((arg) => arg.replace(/\{([\w.-]+)\}/g, (_, name: string) => join(dir, name)));
    const proc = Bun.spawnSync(["openssl", ...resolved], { stdin: stdin === undefined ? undefined : Buffer.from(stdin), stdout: "pipe", stderr: "pipe" });
    return { code: proc.exitCode, out: `${proc.stdout.toString()}${proc.stderr.toString()}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The DER SubjectPublicKeyInfo inside a PEM certificate or CSR, base64. */
export function publicKeyOf(pem: string, kind: "x509" | "req"): string {
  const extracted = openssl([kind, "-in", "{in.pem}", "-noout", "-pubkey"], { "in.pem": pem });
  const proc = Bun.spawnSync(["openssl", "pkey", "-pubin", "-outform", "DER"], { stdin: Buffer.from(extracted.out), stdout: "pipe" });
  return Buffer.from(proc.stdout).toString("base64");
}

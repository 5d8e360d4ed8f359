/**
 * Looking for secrets in server output: every secret a run registered (bootstrap API keys,
 * token PINs, the secrets a test made), and anything shaped like one, registered or not:
 * Signet API keys (sgk_…) and tickets (sgt_…) have recognisable prefixes, and JWTs start with
 * eyJ (base64url of '{"'). Secrets shorter than 8 characters are not looked for (too common).
 */
import type { RecordedRun } from "./server";

const SHAPES: [string, RegExp][] = [
  ["API key", /\bsgk_[A-Za-z0-9_-]{20,}/],
  ["ticket", /\bsgt_[A-Za-z0-9_-]{20,}/],
  ["JWT", /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/],
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

export function findLeaks(runs: RecordedRun[]): string[] {
  const leaks: string[] = [];
  for (const [index, run] of runs.entries()) {
    for (const secret of run.secrets) {
      if (secret.length >= 8 && run.output.includes(secret)) leaks.push(`run ${index}: a registered secret (${secret.slice(0, 4)}…) is in the output`);
    }
    for (const [what, shape] of SHAPES) {
      const match = shape.exec(run.output);
      if (match) {
        const at = run.output.lastIndexOf("\n", match.index) + 1;
        leaks.push(`run ${index}: something shaped like a ${what} is in the output: ${run.output.slice(at, at + 160)}`);
      }
    }
  }
  return leaks;
}

// Independent signature verification, run under Node.js (its own OpenSSL), never under Bun
// and never with Signet's code. Reads one JSON job per line on stdin and answers one line
// each: {"valid": true|false} or {"error": "..."}.
//   job: {spki, message, signature (all base64), hash ("sha256"... or null),
//         padding ("pkcs1" | "pss" | undefined), saltLength?, dsaEncoding ("der" | "ieee-p1363")?}
import { constants, createPublicKey, verify } from "node:crypto";
import { createInterface } from "node:readline";

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  try {
    const job = JSON.parse(line);
    const key = createPublicKey({ key: Buffer.from(job.spki, "base64"), format: "der", type: "spki" });
    const options = { key };
    if (job.padding === "pss") {
      options.padding = constants.RSA_PKCS1_PSS_PADDING;
      options.saltLength = job.saltLength;
    } else if (job.padding === "pkcs1") {
      options.padding = constants.RSA_PKCS1_PADDING;
    }
    if (job.dsaEncoding) options.dsaEncoding = job.dsaEncoding;
    const valid = verify(job.hash, Buffer.from(job.message, "base64"), options, Buffer.from(job.signature, "base64"));
    process.stdout.write(`${JSON.stringify({ valid })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: String(error?.message ?? error) })}\n`);
  }
}

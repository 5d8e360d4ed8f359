/**
 * Checks signatures with Node.js's crypto (OpenSSL) in a separate process: an independent
 * verifier, not the code that made the signatures and not even the same runtime.
 */
import { keccak_224, keccak_256, keccak_384, keccak_512 } from "@noble/hashes/sha3.js";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { openssl } from "./openssl";
import { ROOT } from "./server";

export interface VerifyJob {
  spki: string;
  message: Uint8Array;
  signature: Uint8Array;
  hash: string | null;
  padding?: "pkcs1" | "pss";
  saltLength?: number;
  dsaEncoding?: "der" | "ieee-p1363";
  /**
   * ECDSA or DSA over a digest neither Node nor Signet's verifier path can name (Keccak): the
   * digest itself, checked with `openssl pkeyutl -verify` (OpenSSL's raw-digest verification).
   */
  digest?: Uint8Array;
}

/** r‖s to DER ECDSA/DSA-Sig-Value, for openssl pkeyutl. */
function rsToDer(raw: Uint8Array): Buffer {
  const int = (bytes: Uint8Array) => {
    let v = Buffer.from(bytes);
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const half = raw.length / 2;
  const body = Buffer.concat([int(raw.subarray(0, half)), int(raw.subarray(half))]);
  return Buffer.concat([Buffer.from(body.length < 0x80 ? [0x30, body.length] : [0x30, 0x81, body.length]), body]);
}

function verifyDigestWithOpenssl(job: VerifyJob): boolean {
  const signature = job.dsaEncoding === "ieee-p1363" ? rsToDer(job.signature) : Buffer.from(job.signature);
  const result = openssl(["pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "{key.der}", "-in", "{digest.bin}", "-sigfile", "{sig.der}"], {
    "key.der": Buffer.from(job.spki, "base64"),
    "digest.bin": job.digest!,
    "sig.der": signature,
  });
  return result.code === 0 && result.out.includes("Signature Verified Successfully");
}

/**
 * Verifies many jobs with one Node process (digest jobs with the openssl command line). Returns
 * one boolean per job (throws on a malformed job).
 */
export async function verifyWithNode(jobs: VerifyJob[]): Promise<boolean[]> {
  if (jobs.some((job) => job.digest)) {
    const nodeJobs = jobs.filter((job) => !job.digest);
    const nodeResults = await verifyWithNode(nodeJobs);
    let next = 0;
    return jobs.map((job) => (job.digest ? verifyDigestWithOpenssl(job) : nodeResults[next++]!));
  }
  if (jobs.length === 0) return [];
  const input = jobs
    .map((job) =>
      JSON.stringify({
        ...job,
        message: Buffer.from(job.message).toString("base64"),
        signature: Buffer.from(job.signature).toString("base64"),
      }),
    )
    .join("\n");
  const proc = Bun.spawn(["node", join(ROOT, "test/support/node-verify.mjs")], { stdin: new Blob([`${input}\n`]), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`node verifier failed: ${err}`);
  return out
    .trim()
    .split("\n")
    .map((line) => {
      const answer = JSON.parse(line) as { valid?: boolean; error?: string };
      if (answer.error) throw new Error(`node verifier: ${answer.error}`);
      return answer.valid!;
    });
}

const HASH_BYTES: Record<string, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };
const KECCAK: Record<string, (data: Uint8Array) => Uint8Array> = { KECCAK224: keccak_224, KECCAK256: keccak_256, KECCAK384: keccak_384, KECCAK512: keccak_512 };

/**
 * For a Securosys algorithm name: the payload to send, and the verification job for the
 * signature that comes back. Pre-hashed algorithms get the digest of `message` (and, for
 * NONE_WITH_RSA, its DigestInfo), and are verified as signatures over `message`: exactly
 * what a correct pre-hashed signature must be. DOUBLE_SHA256 is verified as SHA-256 over
 * SHA-256(message); Keccak, which no OpenSSL here knows, as a raw digest with openssl pkeyutl
 * (the digest from @noble/hashes, whose Keccak the unit tests check against published vectors).
 */
export function signingCase(algorithm: string, message: Uint8Array, spki: string, raw = false) {
  if (algorithm === "EDDSA") {
    return { payload: message, job: (signature: Uint8Array): VerifyJob => ({ spki, message, signature, hash: null }) };
  }
  const dsaEncoding = raw ? ("ieee-p1363" as const) : ("der" as const);
  const keccak = /^(KECCAK\d{3})_WITH_ECDSA$/.exec(algorithm);
  if (keccak) {
    const digest = KECCAK[keccak[1]!]!(message);
    return { payload: message, job: (signature: Uint8Array): VerifyJob => ({ spki, message, signature, hash: null, dsaEncoding, digest }) };
  }
  if (algorithm === "DOUBLE_SHA256_WITH_ECDSA") {
    const once = createHash("sha256").update(message).digest();
    return { payload: message, job: (signature: Uint8Array): VerifyJob => ({ spki, message: once, signature, hash: "sha256", dsaEncoding }) };
  }
  const sha3 = /^SHA3(224|256|384|512)_WITH_ECDSA$/.exec(algorithm);
  if (sha3) {
    return { payload: message, job: (signature: Uint8Array): VerifyJob => ({ spki, message, signature, hash: `sha3-${sha3[1]}`, dsaEncoding }) };
  }
  const match = /^(NONE)?(SHA1|SHA224|SHA256|SHA384|SHA512)?_?WITH_(RSA_PSS|RSA|ECDSA|DSA)$/.exec(algorithm);
  if (!match) throw new Error(`no test case for ${algorithm}`);
  const [, none, hashName, scheme] = match;
  const hash = (hashName ?? "SHA256").toLowerCase();
  const digest = createHash(hash).update(message).digest();
  let payload: Uint8Array = message;
  if (none && hashName) payload = digest;
  if (none && !hashName) {
    // NONE_WITH_RSA signs the caller's DigestInfo; NONE_WITH_ECDSA, NONE_WITH_DSA and NONE_WITH_RSA_PSS sign the caller's digest.
    payload = scheme === "RSA" ? Buffer.concat([Buffer.from("3031300d060960864801650304020105000420", "hex"), digest]) : digest;
  }
  return {
    payload,
    job: (signature: Uint8Array): VerifyJob => ({
      spki,
      message,
      signature,
      hash,
      padding: scheme === "RSA_PSS" ? "pss" : scheme === "RSA" ? "pkcs1" : undefined,
      saltLength: scheme === "RSA_PSS" ? HASH_BYTES[hash] : undefined,
      dsaEncoding: scheme === "ECDSA" || scheme === "DSA" ? dsaEncoding : undefined,
    }),
  };
}

export interface AuditBundleReport {
  noteWellFormed: boolean;
  keyName: string;
  keyIdMatches: boolean;
  signatureValid: boolean;
  origin: string;
  treeSize: number;
  rootHash: string;
  recomputedRoot?: string;
  proofsMatch?: boolean;
  chainValid?: boolean;
}

/** Checks a complete JSON audit bundle with Node.js and a second implementation (node-audit-verify.mjs). */
export async function checkAuditBundleWithNode(spki: string, bundle: string): Promise<AuditBundleReport> {
  const proc = Bun.spawn(["node", join(ROOT, "test/support/node-audit-verify.mjs")], {
    stdin: new Blob([JSON.stringify({ spki, bundle })]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`node audit verifier failed: ${err}`);
  return JSON.parse(out);
}

/** One job for test/support/node-crypto.mjs (byte fields base64). */
export type NodeCryptoJob = Record<string, unknown> & { op: string };

/**
 * Runs cryptographic jobs under Node.js in a separate process (encrypting with a public key,
 * AES with a known key, HMAC) and returns each result; throws when a job fails unless
 * `allowErrors`, in which case a failed job answers its error message as `{ error }`.
 */
export async function nodeCrypto(jobs: NodeCryptoJob[], allowErrors = false): Promise<any[]> {
  if (jobs.length === 0) return [];
  const input = jobs.map((job) => JSON.stringify(job)).join("\n");
  const proc = Bun.spawn(["node", join(ROOT, "test/support/node-crypto.mjs")], { stdin: new Blob([`${input}\n`]), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`node crypto failed: ${err}`);
  return out
    .trim()
    .split("\n")
    .map((line) => {
      const answer = JSON.parse(line) as { result?: unknown; error?: string };
      if (answer.error !== undefined) {
        if (allowErrors) return { error: answer.error };
        throw new Error(`node crypto: ${answer.error}`);
      }
      return answer.result!;
    });
}

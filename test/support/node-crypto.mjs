// Independent cryptography for the tests, run under Node.js (its own OpenSSL), never under Bun
// and never with Signet's code. Reads one JSON job per line on stdin, answers one line each:
// {"result": base64 | boolean} or {"error": "..."}. Byte fields are base64.
//   {op: "publicEncrypt", spki, padding: "oaep" | "pkcs1", oaepHash?, data}
//   {op: "publicDecrypt"...} is not offered: the private keys stay in the token.
//   {op: "publicRecover", spki, data}: what an RSA PKCS#1 v1.5 signature (type-1 padding, checked) was made over
//   {op: "rawDigestVerify"...} is not offered: raw-digest ECDSA/DSA checks use the openssl command line
//   {op: "cipher", algorithm ("aes-256-gcm", "aes-128-cbc", ...), key, iv, data, aad?, tagBytes?, decrypt?}
//   {op: "hmac", hash ("sha256"...), key, data}
//   {op: "privateKeyMatches", pkcs8, spki}: does the private key belong to the public key?
//   {op: "rsaOaepDecrypt", pkcs8, data, oaepHash}: decrypt with a private key the test made itself
//   {op: "generate", type ("rsa" | "ec" | "ed25519"), modulusLength?, namedCurve?}: a key pair → {pkcs8, spki}
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicDecrypt,
  publicEncrypt,
} from "node:crypto";
import { createInterface } from "node:readline";

const b = (s) => Buffer.from(s ?? "", "base64");

function run(job) {
  switch (job.op) {
    case "publicEncrypt": {
      const key = createPublicKey({ key: b(job.spki), format: "der", type: "spki" });
      const padding = job.padding === "oaep" ? constants.RSA_PKCS1_OAEP_PADDING : constants.RSA_PKCS1_PADDING;
      return publicEncrypt({ key, padding, oaepHash: job.oaepHash }, b(job.data)).toString("base64");
    }
    case "publicRecover": {
      const key = createPublicKey({ key: b(job.spki), format: "der", type: "spki" });
      return publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, b(job.data)).toString("base64");
    }
    case "rsaOaepDecrypt": {
      const key = createPrivateKey({ key: b(job.pkcs8), format: "der", type: "pkcs8" });
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: job.oaepHash }, b(job.data)).toString("base64");
    }
    case "cipher": {
      const options = job.tagBytes ? { authTagLength: job.tagBytes } : undefined;
      const gcm = job.algorithm.endsWith("-gcm");
      if (job.decrypt) {
        const data = b(job.data);
        const body = gcm ? data.subarray(0, data.length - job.tagBytes) : data;
        const decipher = createDecipheriv(job.algorithm, b(job.key), job.iv === null ? null : b(job.iv), options);
        if (job.noPadding) decipher.setAutoPadding(false);
        if (gcm) {
          if (job.aad) decipher.setAAD(b(job.aad));
          decipher.setAuthTag(data.subarray(data.length - job.tagBytes));
        }
        return Buffer.concat([decipher.update(body), decipher.final()]).toString("base64");
      }
      const cipher = createCipheriv(job.algorithm, b(job.key), job.iv === null ? null : b(job.iv), options);
      if (job.noPadding) cipher.setAutoPadding(false);
      if (gcm && job.aad) cipher.setAAD(b(job.aad));
      const out = Buffer.concat([cipher.update(b(job.data)), cipher.final()]);
      return (gcm ? Buffer.concat([out, cipher.getAuthTag()]) : out).toString("base64");
    }
    case "hmac":
      return createHmac(job.hash, b(job.key)).update(b(job.data)).digest("base64");
    case "privateKeyMatches": {
      const fromPrivate = createPublicKey(createPrivateKey({ key: b(job.pkcs8), format: "der", type: "pkcs8" }));
      return fromPrivate.export({ format: "der", type: "spki" }).equals(b(job.spki));
    }
    case "generate": {
      const { privateKey, publicKey } = generateKeyPairSync(job.type, { modulusLength: job.modulusLength, namedCurve: job.namedCurve });
      return {
        pkcs8: privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"),
        spki: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
      };
    }
    default:
      throw new Error(`unknown op ${job.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  try {
    process.stdout.write(`${JSON.stringify({ result: run(JSON.parse(line)) })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: String(error?.message ?? error) })}\n`);
  }
}

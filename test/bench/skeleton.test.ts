/**
 * The bench's skeleton with the API's own work (bench/lib/skeleton-server.ts, POST /sign-api
 * and /batch-api) decides whether a missed throughput target was within reach, so it must do
 * that work for real: each answer a signature that node:crypto accepts with the key's exported
 * public key, and each record on disk naming the SHA-256 of every payload it signed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { constants, createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { listeningUrl } from "../../bench/lib/server";
import { BUN, ROOT, removeDir, tempDir } from "../support/server";

const dir = tempDir("skeleton");
let proc: Bun.Subprocess<"ignore", "pipe", "inherit">;
let skeleton: { url: string; keys: Record<string, { key: string; spki: string }> };

beforeAll(async () => {
  // Only the token this test makes: an external one configured for the suite is not for it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SIGNET_PKCS11_")));
  proc = Bun.spawn([BUN, join(ROOT, "test/support/bench-skeleton.ts"), dir], { env, stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  skeleton = JSON.parse((await listeningUrl(proc.stdout, /ready (\{[^\n]*\})/, "the skeleton")).url);
}, 60_000);

afterAll(async () => {
  proc.kill("SIGTERM");
  await proc.exited;
  removeDir(dir);
});

const publicKey = (name: string): KeyObject => createPublicKey({ key: Buffer.from(skeleton.keys[name]!.spki, "base64"), format: "der", type: "spki" });
const sha256Hex = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function post(route: string, name: string, mechanism: string, body: unknown): Promise<Response> {
  return fetch(`${skeleton.url}/${route}?key=${skeleton.keys[name]!.key}&mechanism=${mechanism}`, { method: "POST", body: JSON.stringify(body) });
}

/** The last records the skeleton made durable, parsed. */
function lastRecords(count: number): Record<string, unknown>[] {
  const db = new Database(join(dir, "skeleton", "skeleton.sqlite"), { readonly: true });
  try {
    const rows = db.query("SELECT record FROM records ORDER BY seq DESC LIMIT ?").all(count) as { record: string }[];
    return rows.reverse().map((row) => JSON.parse(row.record));
  } finally {
    db.close();
  }
}

test("POST /sign-api answers a synchronousSign body with a signature node:crypto accepts, for each mechanism, and records the payload's SHA-256", async () => {
  const cases = [
    ["rsa-pkcs", "rsa", (data: Buffer, key: KeyObject, signature: Buffer) => verify("sha256", data, key, signature)],
    ["rsa-pss", "rsa", (data: Buffer, key: KeyObject, signature: Buffer) => verify("sha256", data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)],
    ["ecdsa", "p256", (data: Buffer, key: KeyObject, signature: Buffer) => verify("sha256", data, key, signature)],
    ["eddsa", "ed25519", (data: Buffer, key: KeyObject, signature: Buffer) => verify(null, data, key, signature)],
  ] as const;
  for (const [mechanism, name, accepts] of cases) {
    const data = Buffer.from(`pay 100.00 CHF, signed with ${mechanism}`);
    const response = await post("sign-api", name, mechanism, { signRequest: { payload: data.toString("base64"), signKeyName: name, signatureAlgorithm: "any" } });
    expect(response.status).toBe(200);
    const { signature } = (await response.json()) as { signature: string };
    expect([mechanism, accepts(data, publicKey(name), Buffer.from(signature, "base64"))]).toEqual([mechanism, true]);
    expect(lastRecords(1)[0]).toMatchObject({ action: "sign", payloadSha256: sha256Hex(data) });
  }
});

test("POST /batch-api answers every item of a batchSign body in order with a P-256 signature, and records each item's [index, SHA-256]", async () => {
  const payloads = Array.from({ length: 70 }, (_, i) => Buffer.from(`batch item ${i}`));
  const response = await post("batch-api", "p256", "ecdsa", {
    requests: payloads.map((data, i) => ({ reference: `item-${i}`, signKeyName: "p256", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: data.toString("base64") })),
  });
  expect(response.status).toBe(200);
  const { results } = (await response.json()) as { results: { reference: string; signature: string }[] };
  expect(results.map((result) => result.reference)).toEqual(payloads.map((_, i) => `item-${i}`));
  const key = publicKey("p256");
  expect(results.filter((result, i) => verify("sha256", payloads[i]!, key, Buffer.from(result.signature, "base64"))).length).toBe(70);
  expect(lastRecords(1)[0]).toMatchObject({ action: "batchSign", signatures: payloads.map((data, i) => [i, sha256Hex(data)]) });
});

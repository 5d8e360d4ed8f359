/**
 * Keys survive a crash. The SoftHSM file store rewrites objects in place, so a process killed
 * mid-write can leave a torn file; Signet restores the token from the snapshot it took after
 * its last acknowledged change. Every key whose creation was answered must still sign.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { removeDir, startSignet, tempDir } from "../support/server";
import { signingCase, verifyWithNode } from "../support/verifier";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

const dataDir = tempDir("crash");
afterAll(() => removeDir(dataDir));

const acknowledged = new Map<string, string>();
let apiKey = "";

async function everyAcknowledgedKeySigns(signet: Awaited<ReturnType<typeof startSignet>>): Promise<void> {
  const labels = (await signet.json("GET", "/v1/key")).body as string[];
  for (const label of acknowledged.keys()) expect(labels).toContain(label);
  const jobs = [];
  for (const [label, spki] of acknowledged) {
    const message = Buffer.from(`after the crash: ${label}`);
    const signed = await signet.json("POST", "/v1/synchronousSign", {
      signRequest: { payload: message.toString("base64"), signKeyName: label, signatureAlgorithm: "EDDSA" },
    });
    expect({ label, status: signed.status }).toEqual({ label, status: 200 });
    jobs.push(signingCase("EDDSA", message, spki).job(Buffer.from(signed.body.signature, "base64")));
  }
  expect((await verifyWithNode(jobs)).every(Boolean)).toBe(true);
}

test("kill -9 while keys are being created, three times over: every acknowledged key survives", async () => {
  for (let round = 0; round < 3; round++) {
    const signet = await startSignet({ dataDir, ...(apiKey ? { apiKey } : {}) });
    apiKey = signet.apiKey;
    await everyAcknowledgedKeySigns(signet);
    let stop = false;
    const creating = (async () => {
      for (let i = 0; !stop; i++) {
        const label = `r${round}-k${i}`;
        try {
          const created = await signet.json("POST", "/v1/key", { label, algorithm: "ED" });
          if (created.status === 200) acknowledged.set(label, created.body.json.publicKey);
        } catch {
          return; // the server died mid-request: that creation was never acknowledged
        }
      }
    })();
    await Bun.sleep(400 + round * 150);
    await signet.kill9();
    stop = true;
    await creating;
  }
  expect(acknowledged.size).toBeGreaterThan(5);
  const signet = await startSignet({ dataDir, apiKey });
  try {
    await everyAcknowledgedKeySigns(signet);
  } finally {
    await signet.stop();
  }
}, 60_000);

test("torn token files (truncated token.object and key objects) are restored at start", async () => {
  const tokens = join(dataDir, "hsm/tokens");
  const tokenDir = join(tokens, readdirSync(tokens)[0]!);
  const objects = readdirSync(tokenDir).filter((f) => f.endsWith(".object"));
  for (const file of objects) truncateSync(join(tokenDir, file), 0);
  const signet = await startSignet({ dataDir, apiKey });
  try {
    expect(signet.output()).toContain("restored the embedded token from its last snapshot");
    await everyAcknowledgedKeySigns(signet);
  } finally {
    await signet.stop();
  }
});

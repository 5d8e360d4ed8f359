/**
 * An acknowledged signature has its audit record on disk: the server is killed with kill -9
 * in the middle of a load of signing requests, restarted, and every request that was answered
 * 200 must have its record (matched by request id); the log must still verify, by the
 * server's verifier, the offline CLI and an independent implementation under Node.js.
 */
import { afterAll, expect, test } from "bun:test";
import { exportBundle, verifyWithCli } from "../support/audit";
import { removeDir, startSignet, tempDir } from "../support/server";
import { checkAuditBundleWithNode } from "../support/verifier";

const dataDir = tempDir("audit-crash");
afterAll(() => removeDir(dataDir));

test("kill -9 during a signing load: every answered signature is in the log, and the log verifies", async () => {
  const apiKey = `crash-${"c".repeat(24)}`;
  const acknowledged = new Set<string>();
  for (let round = 0; round < 2; round++) {
    const signet = await startSignet({ dataDir, apiKey });
    if (round === 0) expect((await signet.json("POST", "/v1/key", { label: "crash-p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" })).status).toBe(200);
    let stop = false;
    const clients = Array.from({ length: 16 }, async (_, client) => {
      for (let i = 0; !stop; i++) {
        const requestId = `crash-${round}-${client}-${i}`;
        try {
          const answer = await signet.request(
            "POST",
            "/v1/synchronousSign",
            { signRequest: { payload: Buffer.from(requestId).toString("base64"), signKeyName: "crash-p256", signatureAlgorithm: "SHA256_WITH_ECDSA" } },
            { "x-request-id": requestId },
          );
          await answer.arrayBuffer();
          if (answer.status === 200) acknowledged.add(requestId);
        } catch {
          return; // the server died mid-request: never acknowledged
        }
      }
    });
    await Bun.sleep(1200 + round * 300);
    await signet.kill9();
    stop = true;
    await Promise.all(clients);
  }
  expect(acknowledged.size).toBeGreaterThan(100);

  const signet = await startSignet({ dataDir, apiKey });
  try {
    expect(signet.output()).not.toContain("audit log integrity");
    const bundle = await exportBundle(signet, "json");
    const parsed = JSON.parse(bundle);
    const logged = new Set(parsed.records.filter((r: any) => r.action === "sign" && r.outcome === "success").map((r: any) => r.requestId));
    const missing = [...acknowledged].filter((id) => !logged.has(id));
    expect(missing).toEqual([]);
    // The whole log is larger than the API accepts in one body (SIGNET_MAX_PAYLOAD_BYTES): the CLI checks it.
    expect(bundle.length).toBeGreaterThan(0);
    const key = (await signet.json("GET", "/v1/audit/publicKey")).body;
    expect((await verifyWithCli(bundle, key.verifierKey)).result.valid).toBe(true);
    const report = await checkAuditBundleWithNode(key.publicKey, bundle);
    expect(report).toMatchObject({ signatureValid: true, proofsMatch: true, chainValid: true });
    expect(report.recomputedRoot).toBe(report.rootHash);
  } finally {
    await signet.stop();
  }
}, 60_000);

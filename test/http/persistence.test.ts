/**
 * The embedded token and the database survive a restart: the same key signs after a stop and
 * a start on the same data directory, and nothing is created twice.
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { removeDir, startSignet, tempDir } from "../support/server";
import { signingCase, verifyWithNode } from "../support/verifier";

const dataDir = tempDir("persist");
afterAll(() => removeDir(dataDir));

test("keys survive a restart and the embedded token is reused", async () => {
  const first = await startSignet({ dataDir });
  const created = await first.json("POST", "/v1/key", { label: "survivor", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" });
  expect(created.status).toBe(200);
  const spki = created.body.json.publicKey as string;
  const pins = readFileSync(join(dataDir, "hsm/pins.json"), "utf8");
  expect(await first.stop()).toBe(0);

  // PINs and the database are readable by their owner only.
  expect(statSync(join(dataDir, "hsm/pins.json")).mode & 0o777).toBe(0o600);
  expect(statSync(join(dataDir, "signet.db")).mode & 0o777).toBe(0o600);
  expect(statSync(join(dataDir, "hsm")).mode & 0o777).toBe(0o700);

  const second = await startSignet({ dataDir, apiKey: first.apiKey });
  try {
    expect(second.output()).not.toContain("created the embedded SoftHSM2 token");
    expect(readFileSync(join(dataDir, "hsm/pins.json"), "utf8")).toBe(pins);
    const message = Buffer.from("after restart");
    const testCase = signingCase("SHA256_WITH_ECDSA", message, spki);
    const signed = await second.json("POST", "/v1/synchronousSign", {
      signRequest: { payload: message.toString("base64"), signKeyName: "survivor", signatureAlgorithm: "SHA256_WITH_ECDSA" },
    });
    expect(signed.status).toBe(200);
    expect(await verifyWithNode([testCase.job(Buffer.from(signed.body.signature, "base64"))])).toEqual([true]);
    expect((await second.json("GET", "/v1/key")).body).toEqual(["survivor"]);
    const attributes = await second.json("GET", "/v1/key/survivor/attributes");
    expect(attributes.body.json.publicKey).toBe(spki);
  } finally {
    await second.stop();
  }
});

/**
 * A flood of refused requests against a real server: each distinct refusal is recorded at
 * once, its repeats within SIGNET_AUDIT_DENIAL_WINDOW_SECONDS are counted into one more
 * `access.denied` record (and one service-log line) when the window ends, and what is still
 * being counted at stop is written before the service's stop record.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { removeDir, startSignet, type RunningSignet } from "../support/server";

let signet: RunningSignet;
const WRONG_KEY = { "x-api-key": `wrong-${"0".repeat(32)}` };
const SIGN = { signRequest: { signKeyName: "no-such-key", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: "AAAA" } };

beforeAll(async () => {
  signet = await startSignet({ env: { SIGNET_AUDIT_DENIAL_WINDOW_SECONDS: "1" } });
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

async function denials(): Promise<any[]> {
  const page = await signet.json("GET", "/v1/audit?limit=1000&action=access.denied");
  expect(page.status).toBe(200);
  return page.body.records.filter((record: any) => record.details.errorCode === 631);
}

function deniedLines(): string[] {
  return signet.output().split("\n").filter((line) => line.includes('"msg":"access denied"') && line.includes('"kind":"invalidApiKey"'));
}

async function flood(count: number): Promise<void> {
  const answers = await Promise.all(Array.from({ length: count }, () => signet.json("POST", "/v1/synchronousSign", SIGN, WRONG_KEY)));
  for (const answer of answers) expect({ status: answer.status, errorCode: answer.body?.errorCode }).toEqual({ status: 401, errorCode: 631 });
}

test("20 refusals alike: the first recorded at once, the other 19 in one record once the window has ended", async () => {
  await flood(20);
  await Bun.sleep(100);
  const first = await denials();
  expect(first).toHaveLength(1);
  expect(first[0].details.repeated).toBeUndefined();
  expect(first[0].outcome).toBe("denied");

  let all = first;
  for (const deadline = Date.now() + 5_000; all.length < 2 && Date.now() < deadline; ) {
    await Bun.sleep(100);
    all = await denials();
  }
  expect(all).toHaveLength(2);
  const summary = all.find((record) => record.details.repeated !== undefined);
  expect(summary.details.repeated).toBe(19);
  expect(summary.outcome).toBe("denied");
  expect(summary.clientAddress).toBe(first[0].clientAddress); // the same keyed hash, never the address
  expect(Date.parse(summary.details.lastRepeat)).toBeGreaterThanOrEqual(Date.parse(summary.details.firstRepeat));
  const lines = deniedLines();
  expect(lines).toHaveLength(2);
  expect(lines.filter((line) => line.includes('"repeated":19'))).toHaveLength(1);
  expect(signet.output()).not.toContain(WRONG_KEY["x-api-key"]);
}, 20_000);

test("what is still being counted at stop is recorded before the service's stop", async () => {
  await Bun.sleep(1_100); // a new window
  await flood(5);
  await Bun.sleep(100);
  expect((await denials()).filter((record) => record.details.repeated === undefined)).toHaveLength(2);
  expect(await signet.stop()).toBe(0);
  const db = new Database(join(signet.dataDir, "signet.db"), { readonly: true });
  try {
    const rows = db.query("SELECT seq, action, details FROM audit_records WHERE action IN ('access.denied', 'service.stop') ORDER BY seq").all() as { seq: number; action: string; details: string }[];
    const last = rows.slice(-2);
    expect(last.map((row) => row.action)).toEqual(["access.denied", "service.stop"]);
    expect(JSON.parse(last[0]!.details).repeated).toBe(4);
  } finally {
    db.close();
  }
}, 20_000);

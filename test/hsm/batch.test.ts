/**
 * Batch signing at the domain level, against a real SoftHSM2 token and a real store: a batch
 * reaches the Workers as a few batch messages, not one message per item, and every signature
 * verifies. The work runs in batch-run.ts, in a process of its own (see there why).
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { BUN, ROOT, removeDir, tempDir } from "../support/server";

const dir = tempDir("batch");
afterAll(() => removeDir(dir));

test("a batch of 200 signatures travels to the Workers in a few messages, not 200, and every signature verifies", async () => {
  const proc = Bun.spawn([BUN, join(ROOT, "test/hsm/batch-run.ts"), dir], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });
  const counted = JSON.parse(out.trim().split("\n").pop()!) as { operations: number; batches: number; verified: number };
  expect(counted.operations).toBe(200);
  expect(counted.verified).toBe(200);
  // The pool shares a burst among the Workers with room: at most workers × pipelineDepth messages.
  expect(counted.batches).toBeGreaterThanOrEqual(1);
  expect(counted.batches).toBeLessThanOrEqual(2 * 2);
}, 60_000);

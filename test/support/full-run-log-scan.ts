/**
 * Preloaded for every `bun test` (bunfig.toml): after the last test file, the output of every
 * server the run started is searched for secrets (test/support/leaks.ts). A leak anywhere in
 * the full run fails the run.
 */
import { afterAll, expect } from "bun:test";
import { rmSync } from "node:fs";
import { findLeaks } from "./leaks";
import { recordedRuns, RUN_LOG_DIR } from "./server";

afterAll(() => {
  const runs = recordedRuns();
  rmSync(RUN_LOG_DIR, { recursive: true, force: true });
  expect(findLeaks(runs)).toEqual([]);
});

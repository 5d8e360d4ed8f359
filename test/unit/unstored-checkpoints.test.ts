/**
 * The writer's list of checkpoints no thread has confirmed: what a new thread gets, what is sent
 * again after a failed store, and what a stop names as never stored.
 */
import { expect, test } from "bun:test";
import { UnstoredCheckpoints } from "../../src/audit/unstored-checkpoints";
import type { NewCheckpointRow } from "../../src/store/audit";

const row = (treeSize: number): NewCheckpointRow => ({ treeSize, rootHash: "", time: `t${treeSize}`, note: `n${treeSize}` });

function list() {
  const sent: number[] = [];
  const problems: string[] = [];
  const checkpoints = new UnstoredCheckpoints((sentRow) => sent.push(sentRow.treeSize), (message) => problems.push(message));
  return { checkpoints, sent, problems };
}

test("a new thread gets every checkpoint not yet confirmed, in order; a confirmed one is not sent again", () => {
  const { checkpoints, sent } = list();
  checkpoints.add(row(10));
  checkpoints.add(row(20));
  checkpoints.stored(10, "t10", "stored");
  sent.length = 0;
  checkpoints.sendAll();
  expect(sent).toEqual([20]);
});

test("after a failed store the checkpoints are sent again at the next try, once", () => {
  const { checkpoints, sent, problems } = list();
  checkpoints.add(row(10));
  checkpoints.resendFailed();
  expect(sent).toEqual([10]);
  checkpoints.failed(10, "disk I/O error");
  expect(problems).toEqual([expect.stringContaining("tree size 10 failed (it is tried again after the next commit): disk I/O error")]);
  checkpoints.resendFailed();
  checkpoints.resendFailed();
  expect(sent).toEqual([10, 10]);
  checkpoints.stored(10, "t10", "present");
  checkpoints.reportLeft();
  expect(problems).toHaveLength(1);
});

test("a superseded checkpoint is named; one never stored is named at the stop", () => {
  const { checkpoints, problems } = list();
  checkpoints.add(row(10));
  checkpoints.add(row(30));
  checkpoints.add(row(40));
  checkpoints.stored(10, "t10", "superseded");
  checkpoints.reportLeft();
  expect(problems).toEqual([
    "the checkpoint of tree size 10 signed at t10 was not stored: one of a larger tree already was",
    expect.stringContaining("2 signed checkpoint(s) could not be stored before the stop (tree sizes 30, 40)"),
  ]);
});

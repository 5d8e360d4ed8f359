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
  const clock = { ms: 0 };
  const checkpoints = new UnstoredCheckpoints((sentRow) => sent.push(sentRow.treeSize), (message) => problems.push(message), () => clock.ms);
  return { checkpoints, sent, problems, clock };
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

test("after a failed store the checkpoints are sent again after a commit at most once a second, and at the stop at once", () => {
  const { checkpoints, sent, problems, clock } = list();
  checkpoints.add(row(10));
  checkpoints.add(row(20));
  checkpoints.resendFailed();
  expect(sent).toEqual([10, 20]);
  // Both fail: one line in the service log, not one a checkpoint.
  checkpoints.failed(10, "disk I/O error");
  checkpoints.failed(20, "disk I/O error");
  expect(problems).toEqual([expect.stringContaining("tree size 10 failed (tried again after a commit, at most once a second): disk I/O error")]);
  clock.ms = 1_500;
  checkpoints.resendFailed();
  checkpoints.resendFailed();
  expect(sent).toEqual([10, 20, 10, 20]);
  // They fail again; commits within the next second send nothing, the first after it sends both.
  checkpoints.failed(10, "disk I/O error");
  clock.ms = 2_000;
  checkpoints.resendFailed();
  expect(sent).toHaveLength(4);
  clock.ms = 2_600;
  checkpoints.resendFailed();
  expect(sent).toEqual([10, 20, 10, 20, 10, 20]);
  checkpoints.failed(20, "disk I/O error");
  checkpoints.resendFailed(true);
  expect(sent).toHaveLength(8);
  checkpoints.stored(10, "t10", "present");
  checkpoints.stored(20, "t20", "stored");
  checkpoints.reportLeft();
  expect(problems).toHaveLength(3);
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

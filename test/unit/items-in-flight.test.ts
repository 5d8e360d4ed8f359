/** The bound on batch items being signed at once (domain/signing/items-in-flight.ts). */
import { expect, test } from "bun:test";
import { ItemsInFlight } from "../../src/domain/signing/items-in-flight";
import { SignetError } from "../../src/errors";

test("batches within the bound enter at once; the next waits until enough items have left", async () => {
  const gate = new ItemsInFlight(10, 100);
  expect(gate.enter(6)).toBeUndefined();
  expect(gate.enter(4)).toBeUndefined();
  let admitted = false;
  const waiting = Promise.resolve(gate.enter(3)).then(() => (admitted = true));
  await Bun.sleep(1);
  expect(admitted).toBe(false);
  gate.leave(4);
  await waiting;
  expect(admitted).toBe(true);
});

test("waiting batches are admitted in arrival order, a small one never overtaking a large one", async () => {
  const gate = new ItemsInFlight(10, 100);
  gate.enter(8);
  const order: string[] = [];
  const large = Promise.resolve(gate.enter(9)).then(() => order.push("large"));
  const small = Promise.resolve(gate.enter(1)).then(() => order.push("small"));
  await Bun.sleep(1);
  expect(order).toEqual([]);
  gate.leave(8);
  await Promise.all([large, small]);
  expect(order).toEqual(["large", "small"]);
});

test("a batch larger than the bound enters alone", async () => {
  const gate = new ItemsInFlight(4, 100);
  expect(gate.enter(50)).toBeUndefined();
  let admitted = false;
  const next = Promise.resolve(gate.enter(1)).then(() => (admitted = true));
  await Bun.sleep(1);
  expect(admitted).toBe(false);
  gate.leave(50);
  await next;
});

test("past the waiting bound a batch is refused as a full queue, and nothing is counted for it", async () => {
  const gate = new ItemsInFlight(4, 6);
  gate.enter(4);
  void gate.enter(5);
  let refused: unknown;
  try {
    gate.enter(2);
  } catch (error) {
    refused = error;
  }
  expect(refused).toBeInstanceOf(SignetError);
  expect((refused as SignetError).kind).toBe("queueFull");
  gate.leave(4);
  // The refused batch took no place: once the others have left, the whole bound is free again.
  gate.leave(5);
  expect(gate.enter(4)).toBeUndefined();
});

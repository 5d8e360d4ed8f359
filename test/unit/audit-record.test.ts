import { expect, test } from "bun:test";
import fc from "fast-check";
import { canonicalJson, entryOf, entryOfGeneric, pendingRecord, type AuditRecord } from "../../src/audit/record";

const text = fc.string({ unit: "binary", maxLength: 40 });
const detail: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(fc.integer(), text, fc.boolean(), fc.constant(null), fc.array(tie("value"), { maxLength: 3 }), fc.dictionary(text, tie("value"), { maxKeys: 3 })),
})).value;

test("the fast entry encoder writes exactly the RFC 8785 bytes of the generic one", () => {
  fc.assert(
    fc.property(
      fc.record({
        seq: fc.integer({ min: 1, max: 2 ** 40 }),
        time: text,
        actor: text,
        action: text,
        objectType: fc.option(text, { nil: null }),
        objectId: fc.option(text, { nil: null }),
        outcome: fc.constantFrom("success", "failure", "denied"),
        requestId: fc.option(text, { nil: null }),
        clientAddress: fc.option(text, { nil: null }),
        details: fc.dictionary(text, detail, { maxKeys: 4 }),
        prevHash: text,
      }),
      (record) => {
        expect(Buffer.from(entryOf(record as AuditRecord))).toEqual(Buffer.from(entryOfGeneric(record as AuditRecord)));
      },
    ),
    { seed: 20261123, numRuns: 500 },
  );
});

test("a pending record stores numbers canonical JSON cannot hold as their text, and leaves the rest as given", () => {
  const context = { actor: "c1", requestId: "r1", clientAddress: null };
  const event = { action: "sign", objectType: "key", objectId: "k", outcome: "success" as const };
  const plain = { algorithm: "EDDSA", bytes: 32, nested: { list: [1, "a", true, null] } };
  expect(pendingRecord(context, event, null, plain).details).toBe(plain);
  const odd = { bytes: 1e20, half: 1.5, nested: { list: [2 ** 60, 7], nan: Number.NaN } };
  const stored = pendingRecord(context, event, null, odd).details;
  expect(stored).toEqual({ bytes: "100000000000000000000", half: "1.5", nested: { list: [String(2 ** 60), 7], nan: "NaN" } });
  expect(() => canonicalJson(stored)).not.toThrow();
  expect(odd.bytes).toBe(1e20); // the caller's object is not changed
});

import { expect, test } from "bun:test";
import fc from "fast-check";
import { entryOf, entryOfGeneric, type AuditRecord } from "../../src/audit/record";

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

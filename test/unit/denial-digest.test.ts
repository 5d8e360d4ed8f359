/**
 * Repeated denials folded into one summary (src/domain/audit/denial-digest.ts), on a clock the
 * test moves: the first of a kind passes, repeats within the window are counted, and each
 * window that counted any ends in exactly one summary.
 */
import { expect, test } from "bun:test";
import type { AccessDenial } from "../../src/domain/access/events";
import { DenialDigest, type Repeats } from "../../src/domain/audit/denial-digest";

function denial(overrides: Partial<AccessDenial> = {}): AccessDenial {
  return {
    type: "denied", kind: "invalidApiKey", message: "the API key is unknown", credentialId: null,
    actor: null, requestId: `r-${Math.random()}`, clientAddress: "192.0.2.7", ...overrides,
  };
}

function digestOn(windowMs: number) {
  let now = 1_000_000;
  const summaries: Repeats[] = [];
  const digest = new DenialDigest(windowMs, (repeats) => summaries.push(repeats), () => now);
  return { digest, summaries, advance: (ms: number) => (now += ms) };
}

test("the first denial passes; the same again within the window is counted, and the window ends in one summary", () => {
  const { digest, summaries, advance } = digestOn(10_000);
  expect(digest.admit(denial())).toBe(true);
  const repeats = Array.from({ length: 50 }, (_, i) => denial({ requestId: `repeat-${i}` }));
  for (const repeat of repeats) {
    advance(100);
    expect(digest.admit(repeat)).toBe(false);
  }
  digest.flushEnded();
  expect(summaries).toEqual([]); // the window has not ended yet
  advance(10_000);
  digest.flushEnded();
  expect(summaries).toHaveLength(1);
  expect(summaries[0]!.count).toBe(50);
  expect(summaries[0]!.last.requestId).toBe("repeat-49");
  expect(summaries[0]!.lastAt - summaries[0]!.firstAt).toBe(4_900);
  digest.flushEnded();
  expect(summaries).toHaveLength(1); // written once
  expect(digest.admit(denial())).toBe(true); // a new window
});

test("an identified client's denials that differ in kind, source, credential, target or message are recorded apart", () => {
  const { digest } = digestOn(10_000);
  const base = { actor: "client-1", credentialId: "cred-1", kind: "keyNotAllowed" as const, message: "this client may not use the key", target: "key-a" };
  const variants = [
    denial(base), denial({ ...base, kind: "roleMissing" }), denial({ ...base, clientAddress: "192.0.2.8" }), denial({ ...base, credentialId: "cred-2" }),
    denial({ ...base, target: "key-b" }), denial({ ...base, message: "another message" }), denial({ ...base, actor: "client-2" }),
  ];
  for (const variant of variants) expect(digest.admit(variant)).toBe(true);
  for (const variant of variants) expect(digest.admit({ ...variant, requestId: "again" })).toBe(false);
});

test("a request with no valid credential is the same denial whatever target or message it brought, and IPv6 counts by /64", () => {
  const { digest, summaries, advance } = digestOn(10_000);
  expect(digest.admit(denial({ kind: "hostNotAllowed", target: "a.example" }))).toBe(true);
  expect(digest.admit(denial({ kind: "hostNotAllowed", target: "b.example" }))).toBe(false);
  expect(digest.admit(denial({ kind: "hostNotAllowed", target: "c.example", message: "other" }))).toBe(false);
  expect(digest.admit(denial({ kind: "missingApiKey" }))).toBe(true);
  expect(digest.admit(denial({ clientAddress: "192.0.2.8" }))).toBe(true);
  expect(digest.admit(denial({ clientAddress: "2001:db8:1:2::1" }))).toBe(true);
  expect(digest.admit(denial({ clientAddress: "2001:db8:1:2:ffff::99" }))).toBe(false);
  expect(digest.admit(denial({ clientAddress: "2001:db8:1:3::1" }))).toBe(true);
  expect(digest.admit(denial({ clientAddress: "::ffff:192.0.2.9" }))).toBe(true);
  expect(digest.admit(denial({ clientAddress: "192.0.2.9" }))).toBe(false); // the same address, mapped or not
  advance(10_000);
  digest.flushEnded();
  expect(summaries.map((s) => [s.last.kind, s.last.target ?? s.last.clientAddress, s.count])).toEqual([
    ["hostNotAllowed", "c.example", 2],
    ["invalidApiKey", "2001:db8:1:2:ffff::99", 1],
    ["invalidApiKey", "192.0.2.9", 1],
  ]);
});

test("a repeat after the window has ended is recorded, and writes the ended window's summary first", () => {
  const { digest, summaries, advance } = digestOn(1_000);
  expect(digest.admit(denial())).toBe(true);
  advance(10);
  expect(digest.admit(denial())).toBe(false);
  advance(1_000);
  expect(digest.admit(denial())).toBe(true);
  expect(summaries.map((s) => s.count)).toEqual([1]);
});

test("a window with no repeat ends without a summary; flush writes what is still counting", () => {
  const { digest, summaries, advance } = digestOn(1_000);
  digest.admit(denial({ clientAddress: "a" }));
  digest.admit(denial({ clientAddress: "b" }));
  digest.admit(denial({ clientAddress: "b" }));
  advance(5_000);
  digest.flushEnded();
  expect(summaries.map((s) => [s.last.clientAddress, s.count])).toEqual([["b", 1]]);
  digest.admit(denial({ clientAddress: "c" }));
  digest.admit(denial({ clientAddress: "c" }));
  digest.flush();
  expect(summaries.map((s) => [s.last.clientAddress, s.count])).toEqual([["b", 1], ["c", 1]]);
});

test("a window of 0 records every denial", () => {
  const { digest, summaries } = digestOn(0);
  for (let i = 0; i < 5; i++) expect(digest.admit(denial())).toBe(true);
  digest.flush();
  expect(summaries).toEqual([]);
});

test("past 10,000 distinct denials tracked, every summary is written and tracking starts over", () => {
  const { digest, summaries } = digestOn(60_000);
  digest.admit(denial({ clientAddress: "first" }));
  digest.admit(denial({ clientAddress: "first" }));
  for (let i = 1; i < 10_000; i++) digest.admit(denial({ clientAddress: `a-${i}` }));
  expect(summaries).toEqual([]);
  expect(digest.admit(denial({ clientAddress: "one-too-many" }))).toBe(true);
  expect(summaries.map((s) => [s.last.clientAddress, s.count])).toEqual([["first", 1]]);
  expect(digest.admit(denial({ clientAddress: "first" }))).toBe(true); // forgotten, so recorded again
});

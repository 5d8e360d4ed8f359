import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CATALOGUE, isSignetError, SignetError } from "../../src/errors";
import { HTTP_STATUS } from "../../src/http/error-status";
import { ROOT } from "../support/server";

test("every error kind has a status and a unique code", () => {
  const kinds = Object.keys(ERROR_CATALOGUE);
  expect(Object.keys(HTTP_STATUS).sort()).toEqual(kinds.sort());
  const codes = Object.values(ERROR_CATALOGUE).map((e) => e.errorCode);
  expect(new Set(codes).size).toBe(codes.length);
});

test("the README's error table is the catalogue", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const rows = [...readme.matchAll(/^\| (\d{3}) \| `(res\.error\.[A-Za-z.]+)` \| (\d{3}) \|/gm)].map((m) => [Number(m[1]), m[2], Number(m[3])]);
  const expected = Object.entries(ERROR_CATALOGUE).map(([kind, e]) => [e.errorCode, e.reason, HTTP_STATUS[kind as keyof typeof HTTP_STATUS]]);
  expect(rows.sort()).toEqual(expected.sort());
});

test("isSignetError names a SignetError, of the kinds given when any are", () => {
  const missing = new SignetError("keyNotFound", "no key labelled \"k\"");
  expect(isSignetError(missing)).toBe(true);
  expect(isSignetError(missing, "keyNotFound")).toBe(true);
  expect(isSignetError(missing, "operationForbiddenForKey", "keyNotFound")).toBe(true);
  expect(isSignetError(missing, "hsmError")).toBe(false);
  expect(isSignetError(new Error("keyNotFound"), "keyNotFound")).toBe(false);
  expect(isSignetError({ kind: "keyNotFound" }, "keyNotFound")).toBe(false);
});

/**
 * The stored form of key passwords and how they are read from a request: scrypt with a salt of
 * its own per hash and its cost written beside it; constant-time verification; the TSB's array
 * of one-character strings joined as it comes.
 */
import { describe, expect, test } from "bun:test";
import { scryptSync } from "node:crypto";
import { hashPassword, verifyPassword } from "../../src/domain/keys/key-passwords";
import { passwordOf } from "../../src/http/password";

describe("stored hashes", () => {
  test("scrypt with its parameters and a random salt; the same password hashes differently each time", async () => {
    const [a, b] = [await hashPassword("correct horse"), await hashPassword("correct horse")];
    expect(a).toMatch(/^scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("correct horse");
  });

  test("is what node:crypto's scrypt computes with the recorded parameters", async () => {
    const stored = await hashPassword("p4ss");
    const [, , salt, hash] = stored.split("$");
    const recomputed = scryptSync("p4ss", Buffer.from(salt!, "base64"), 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 << 20 });
    expect(recomputed.toString("base64")).toBe(hash!);
  });

  test("verifies the password and nothing else", async () => {
    const stored = await hashPassword("s3cret");
    expect(await verifyPassword(stored, "s3cret")).toBe(true);
    for (const other of ["s3cre", "s3cret ", "S3cret", ""]) expect(await verifyPassword(stored, other)).toBe(false);
  });

  test("the same text in composed and decomposed Unicode is the same password (NFC)", async () => {
    const stored = await hashPassword("caf\u00e9");
    expect(await verifyPassword(stored, "cafe\u0301")).toBe(true);
  });

  test("a stored value Signet did not write is refused, not guessed at", async () => {
    await expect(verifyPassword("plain-text", "plain-text")).rejects.toThrow("not one Signet wrote");
    await expect(verifyPassword("scrypt$ln=40,r=8,p=1$AAAA$AAAA", "x")).rejects.toThrow("not one Signet wrote");
  });
});

describe("from the request", () => {
  test("an array of one-character strings is joined; a string is taken as is; null and absent are none", () => {
    expect(passwordOf(["R", "E", "P", "L", "A", "C", "E"], "password")).toBe("REPLACE");
    expect(passwordOf(["Ã", "©"], "password")).toBe("Ã©");
    expect(passwordOf(["😀"], "password")).toBe("😀");
    expect(passwordOf("REPLACE", "password")).toBe("REPLACE");
    expect(passwordOf([], "password")).toBe("");
    expect(passwordOf(null, "password")).toBeNull();
    expect(passwordOf(undefined, "password")).toBeNull();
  });

  test("items that are not one character are refused (600)", () => {
    for (const bad of [["ab"], [""], ["a", "bc"]]) {
      expect(() => passwordOf(bad, "keyPassword")).toThrow("array of one-character strings");
    }
  });
});

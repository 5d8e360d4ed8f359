import { describe, expect, test } from "bun:test";
import { tokenTimes } from "../../src/domain/access/auth-tokens";
import { SignetError } from "../../src/errors";

const FAR = Date.UTC(2100, 0, 1);

describe("bearer token times", () => {
  test("a token lives at least the seconds asked, and less than one more, wherever in the second it is issued", () => {
    for (const ms of [0, 1, 500, 998, 999]) {
      const now = Date.UTC(2026, 11, 2, 1, 0, 0) + ms;
      for (const ttl of [1, 2, 300]) {
        const { iat, exp } = tokenTimes(now, ttl, FAR);
        expect(iat).toBe(Math.floor(now / 1000));
        expect(exp * 1000 - now).toBeGreaterThanOrEqual(ttl * 1000);
        expect(exp * 1000 - now).toBeLessThan(ttl * 1000 + 1000);
      }
    }
  });

  test("never past the credential's end", () => {
    const now = Date.UTC(2026, 11, 2, 1, 0, 0, 250);
    expect(tokenTimes(now, 300, now + 10_700).exp).toBe(Math.floor((now + 10_700) / 1000));
  });

  test("a credential ending within the second of issue gives no token (credentialExpired)", () => {
    const now = Date.UTC(2026, 11, 2, 1, 0, 0, 250);
    let thrown: unknown;
    try {
      tokenTimes(now, 300, now + 500);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SignetError);
    expect((thrown as SignetError).kind).toBe("credentialExpired");
  });
});

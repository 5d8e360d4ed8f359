/**
 * The pure parts of access control: addresses and ranges, key allow-lists, rate-limit
 * buckets, the stored form of secrets (checked against node:crypto), allowed hosts, JSON depth, JWK thumbprints (checked against jose's), and that the
 * README's scope table and module list are the code's.
 */
import { describe, expect, test } from "bun:test";
import { createHash, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { calculateJwkThumbprint } from "jose";
import { API_MODULES } from "../../src/config";
import { cidrContains, CidrList, formatAddress, parseAddress, parseCidr } from "../../src/domain/access/cidr";
import { HostPolicy } from "../../src/domain/access/hosts";
import { LabelGrant, normaliseKeyPatterns } from "../../src/domain/access/key-grant";
import { RateLimiter } from "../../src/domain/access/rate-limiter";
import { SCOPES } from "../../src/domain/access/scopes";
import { digest, lookupOf, newSecret } from "../../src/domain/access/secrets";
import { jwkFromSpki, jwkThumbprint } from "../../src/domain/tokens/jwk";
import { exceedsDepth, exceedsShape } from "../../src/http/json-body";
import { HTTP_MODULES } from "../../src/http/modules";
import { ROOT } from "../support/server";

const SEED = Number(process.env.SIGNET_FUZZ_SEED ?? 20261123);

describe("addresses and CIDR ranges", () => {
  test.each([
    ["10.0.0.0/8", "10.255.1.2", true],
    ["10.0.0.0/8", "11.0.0.0", false],
    ["10.0.0.0/8", "::ffff:10.1.2.3", true],
    ["192.168.1.7", "192.168.1.7", true],
    ["192.168.1.7", "192.168.1.8", false],
    ["0.0.0.0/0", "203.0.113.9", true],
    ["0.0.0.0/0", "2001:db8::1", false],
    ["2001:db8::/32", "2001:db8:ffff::1", true],
    ["2001:db8::/32", "2001:db9::", false],
    ["::1", "::1", true],
    ["::1", "127.0.0.1", false],
    ["fe80::/10", "febf::1", true],
    ["fe80::/10", "fec0::1", false],
  ] as const)("%s contains %s: %s", (range, address, inside) => {
    expect(new CidrList([range]).contains(address)).toBe(inside);
  });

  test.each(["10.0.0.1/8", "1.2.3.4/33", "::/129", "010.0.0.0/8", "1.2.3", "1.2.3.4.5", "::1::", "12345::", "fe80::1%eth0", "1.2.3.4/08", ""])("refuses %p", (text) => {
    expect(() => parseCidr(text)).toThrow(RangeError);
  });

  test("addresses that do not parse are never inside", () => {
    const list = new CidrList(["0.0.0.0/0", "::/0"]);
    for (const junk of [null, "", "localhost", "1.2.3.256", "[::1", "::ffff:1.2.3"]) expect(list.contains(junk)).toBe(false);
  });

  test("property: an address formatted and parsed again is the same, and a range contains exactly its prefix", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes, bits, other) => {
        const text = formatAddress(bytes);
        expect(parseAddress(text)).toEqual(bytes);
        const network = new Uint8Array(16);
        for (let i = 0; i < 16; i++) network[i] = bytes[i]! & ((0xff << (8 - Math.max(0, Math.min(8, bits - i * 8)))) & 0xff);
        const range = { text: "", network, bits };
        expect(cidrContains(range, bytes)).toBe(true);
        const samePrefix = [...Array(bits)].every((_, bit) => ((other[bit >> 3]! >> (7 - (bit & 7))) & 1) === ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1));
        expect(cidrContains(range, other)).toBe(samePrefix);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe("key allow-lists", () => {
  const reserved = new Set(["signet-auth-token"]);
  const grant = (patterns: string[] | null) => new LabelGrant(patterns, reserved, () => {});

  test("exact labels and prefixes", () => {
    const g = grant(["pay-*", "hr-1"]);
    expect(["pay-", "pay-1", "pay-x-y", "hr-1"].map((l) => g.permits(l))).toEqual([true, true, true, true]);
    expect(["pa", "hr-10", "hr", "PAY-1"].map((l) => g.permits(l))).toEqual([false, false, false, false]);
  });

  test("no list allows every key but the reserved ones", () => {
    expect(grant(null).permits("anything")).toBe(true);
    expect(grant(null).permits("signet-auth-token")).toBe(false);
    expect(grant(["signet-*"]).permits("signet-auth-token")).toBe(false);
  });

  test("require throws keyNotAllowed and reports the label once", () => {
    const denied: string[] = [];
    const g = new LabelGrant(["a"], reserved, (label) => denied.push(label));
    const context = { actor: "x", requestId: "r", clientAddress: null };
    expect(() => g.require("b", context)).toThrow(expect.objectContaining({ kind: "keyNotAllowed" }));
    g.require("a", context);
    expect(denied).toEqual(["b"]);
  });

  test("patterns are checked and normalised", () => {
    expect(normaliseKeyPatterns(["b", "a*", "b"])).toEqual(["a*", "b"]);
    expect(normaliseKeyPatterns(["*"])).toBeNull();
    expect(normaliseKeyPatterns(null)).toBeNull();
    for (const bad of ["a*b", "", "tab\tlabel", "**"]) expect(() => normaliseKeyPatterns([bad])).toThrow();
  });
});

describe("rate-limit buckets", () => {
  test("a burst, then one request per refill interval, with the wait rounded up", () => {
    const limiter = new RateLimiter();
    const limit = { perSecond: 2, burst: 3 };
    expect([0, 0, 0].map(() => limiter.take("a", limit, 1000))).toEqual([0, 0, 0]);
    expect(limiter.take("a", limit, 1000)).toBe(1);
    expect(limiter.take("a", limit, 1500)).toBe(0);
    expect(limiter.take("a", limit, 1500)).toBe(1);
    expect(limiter.take("b", limit, 1500)).toBe(0);
    const slow = { perSecond: 0.1, burst: 1 };
    expect(limiter.take("c", slow, 0)).toBe(0);
    expect(limiter.take("c", slow, 0)).toBe(10);
  });

  test("property: over any window, granted requests never exceed burst + rate × time", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 50, noNaN: true }), fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }), (perSecond, burst, gaps) => {
        const limiter = new RateLimiter();
        let now = 0;
        let granted = 0;
        for (const gap of gaps) {
          now += gap;
          if (limiter.take("x", { perSecond, burst }, now) === 0) granted++;
        }
        expect(granted).toBeLessThanOrEqual(burst + (perSecond * now) / 1000 + 1e-9);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("allowed hosts", () => {
  const policy = new HostPolicy(["api.example.com", "*.internal.example", "localhost:8081", "[::1]"]);
  test.each([
    ["api.example.com", true],
    ["API.EXAMPLE.COM:443", true],
    ["x.internal.example", true],
    ["internal.example", false],
    ["xinternal.example", false],
    ["localhost:8081", true],
    ["localhost:8082", false],
    ["localhost", false],
    ["[::1]:8081", true],
    ["api.example.com.evil.com", false],
    ["", false],
  ] as const)("%p: %s", (host, allowed) => {
    expect(policy.allows(host)).toBe(allowed);
  });
});

describe("JSON depth", () => {
  test("counts nesting outside strings only", () => {
    expect(exceedsDepth('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(exceedsDepth('{"a":{"b":[[1]]}}', 3)).toBe(true);
    expect(exceedsDepth('{"a":"[[[[[[[[["}', 1)).toBe(false);
    expect(exceedsDepth('{"a":"\\"[[[[[[[[["}', 1)).toBe(false);
    expect(exceedsDepth('{"a":"\\\\","b":[[[[1]]]]}', 3)).toBe(true);
  });

  test("property: agrees with the depth of the parsed value", () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === "object" ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 1, max: 12 }), (value, max) => {
        expect(exceedsDepth(JSON.stringify(value), max)).toBe(depthOf(value) > max);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe("list lengths", () => {
  test("property: agrees with the longest array of the parsed value", () => {
    const longest = (value: unknown): number =>
      value !== null && typeof value === "object"
        ? Math.max(Array.isArray(value) ? value.length : 0, 0, ...Object.values(value as object).map(longest))
        : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.integer({ min: 1, max: 8 }), (value, max) => {
        expect(exceedsShape(JSON.stringify(value), { maxDepth: 100, maxArrayItems: max }) === "items").toBe(longest(value) > max);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe("JWK thumbprints", () => {
  test.each([
    ["ec", { namedCurve: "P-256" }],
    ["ec", { namedCurve: "P-384" }],
    ["rsa", { modulusLength: 2048 }],
    ["ed25519", {}],
  ] as const)("%s %o: the JWK and its thumbprint are jose's", async (type, options) => {
    const { publicKey } = generateKeyPairSync(type as "ec", options as { namedCurve: string });
    const jwk = jwkFromSpki(new Uint8Array(publicKey.export({ format: "der", type: "spki" })));
    const reference = publicKey.export({ format: "jwk" }) as Record<string, string>;
    for (const [name, value] of Object.entries(jwk)) expect(reference[name]).toBe(value);
    expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(reference as never, "sha256"));
  });
});

describe("tables in the README", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");

  test("the scope table is the catalogue, with each scope's role", () => {
    const rows = [...readme.matchAll(/^\| `([a-z]+:[a-z]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows.sort()).toEqual(Object.entries(SCOPES).map(([scope, { role }]) => [scope, role]).sort());
  });

  test("the module names of the configuration and the HTTP layer agree, and are documented", () => {
    expect([...HTTP_MODULES]).toEqual([...API_MODULES]);
    for (const module of API_MODULES) expect(readme).toContain(`\`${module}\``);
  });
});

describe("the stored form of a secret", () => {
  test("SHA-256 of the secret, and its first 12 bytes base64url as the lookup value", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(newSecret("apiKey")), fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })), (secret) => {
        const expected = createHash("sha256").update(secret).digest();
        const hash = digest(secret);
        expect(hash.toString("hex")).toBe(expected.toString("hex"));
        expect(lookupOf(hash)).toBe(expected.subarray(0, 12).toString("base64url"));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

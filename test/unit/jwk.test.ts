/**
 * The two ways to a JWK give the same members: from a DER SubjectPublicKeyInfo through the
 * ASN.1 schemas (any key the token holds), and from a node:crypto KeyObject (the bearer-token
 * key at start-up, with no schemas loaded). The kid of a bearer token depends on it.
 */
import { describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { jwkFromSpki, jwkOfKeyObject, jwkThumbprint } from "../../src/domain/tokens/jwk";

const KEYS = [
  ["P-256", () => generateKeyPairSync("ec", { namedCurve: "P-256" })],
  ["P-384", () => generateKeyPairSync("ec", { namedCurve: "P-384" })],
  ["P-521", () => generateKeyPairSync("ec", { namedCurve: "P-521" })],
  ["Ed25519", () => generateKeyPairSync("ed25519")],
  ["RSA-2048", () => generateKeyPairSync("rsa", { modulusLength: 2048 })],
] as const;

describe("jwkOfKeyObject and jwkFromSpki", () => {
  test.each(KEYS)("%s: the same JWK and thumbprint either way", (_, generate) => {
    for (let i = 0; i < 5; i++) {
      const { publicKey } = generate();
      const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
      const fromObject = jwkOfKeyObject(publicKey);
      expect(fromObject).toEqual(jwkFromSpki(spki));
      expect(jwkThumbprint(fromObject)).toBe(jwkThumbprint(jwkFromSpki(spki)));
    }
  });
});

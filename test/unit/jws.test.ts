/**
 * The compact JWS form the token services assemble (src/domain/tokens/jws.ts): what the signer
 * is handed, and how its base64 signature joins the signing input. Signatures themselves are
 * checked by jose against the published keys in test/http/tokens.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { compactJws, encodeSegment, signingInputBase64, splitCompact } from "../../src/domain/tokens/jws";

describe("compact JWS", () => {
  const input = `${encodeSegment({ alg: "ES256", typ: "JWT" })}.${encodeSegment({ name: "Zoë 🚀" })}`;

  test("the signer gets the ASCII signing input's own bytes, as standard base64", () => {
    expect(Buffer.from(signingInputBase64(input), "base64").toString("ascii")).toBe(input);
  });

  test("the signature joins as unpadded base64url, and the token splits back into its three parts", () => {
    // Bytes whose base64 holds '+', '/' and padding.
    const signature = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x3e]);
    const token = compactJws(input, signature.toString("base64"));
    expect(token).toBe(`${input}.-_-_AD4`);
    const parts = splitCompact(token);
    expect(parts && Buffer.from(parts.signature, "base64url")).toEqual(signature);
    expect(parts && `${parts.header}.${parts.payload}`).toBe(input);
  });
});

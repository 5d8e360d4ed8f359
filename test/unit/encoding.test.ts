import { describe, expect, test } from "bun:test";
import { createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { curveByName } from "../../src/signer/curves";
import { curveSpki, ecdsaDerToRaw, ecdsaRawToDer, rsaSpki, unwrapEcPoint } from "../../src/signer/encoding";

describe("ECDSA signature encodings", () => {
  for (const [curve, fieldBytes] of [["P-256", 32], ["P-384", 48], ["P-521", 66]] as const) {
    test(`${curve}: r‖s to DER and back agrees with OpenSSL's own encodings`, () => {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: curve });
      for (let i = 0; i < 200; i++) {
        const data = Buffer.from(`message ${i}`);
        const raw = sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" });
        expect(raw.length).toBe(2 * fieldBytes);
        const der = ecdsaRawToDer(raw);
        expect(ecdsaDerToRaw(der, fieldBytes)).toEqual(new Uint8Array(raw));
        const opensslDer = sign("sha256", data, { key: privateKey, dsaEncoding: "der" });
        expect(ecdsaDerToRaw(opensslDer, fieldBytes)!.length).toBe(2 * fieldBytes);
      }
    });
  }

  test("minimal integers: leading zeros dropped, a sign byte added when the high bit is set", () => {
    const raw = new Uint8Array(64);
    raw[31] = 1; // r = 1
    raw[32] = 0x80; // s has its high bit set
    const der = ecdsaRawToDer(raw);
    expect(Buffer.from(der).toString("hex")).toBe(`3026020101022100${"80" + "00".repeat(31)}`);
  });

  test.each([
    ["not a sequence", "31060201010201ff"],
    ["negative integer", "3006020181020101"],
    ["non-minimal integer", "300702020001020101"],
    ["trailing bytes", "300602010102010100"],
    ["truncated", "30060201010201"],
    ["integer longer than the curve", `3025022100${"11".repeat(32)}020101`],
    ["empty", ""],
  ])("rejects %s", (_name, hex) => {
    expect(ecdsaDerToRaw(Buffer.from(hex, "hex"), 32)).toBeNull();
  });
});

describe("SubjectPublicKeyInfo", () => {
  test("EC points give the same SPKI as OpenSSL", () => {
    for (const curve of ["P-256", "P-384", "P-521"] as const) {
      const { publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
      const reference = publicKey.export({ type: "spki", format: "der" });
      const info = curveByName(curve);
      const point = reference.subarray(reference.length - (1 + 2 * info.fieldBytes));
      expect(Buffer.from(curveSpki(info, point))).toEqual(reference);
      // CKA_EC_POINT as an OCTET STRING, which is what SoftHSM returns
      const wrapped = Buffer.concat([Buffer.from([0x04, point.length < 128 ? point.length : 0x81]), point.length < 128 ? Buffer.alloc(0) : Buffer.from([point.length]), point]);
      expect(Buffer.from(unwrapEcPoint(wrapped, info))).toEqual(point);
    }
  });

  test("Ed25519 and RSA give the same SPKI as OpenSSL", () => {
    const ed = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" });
    expect(Buffer.from(curveSpki(curveByName("Ed25519"), ed.subarray(ed.length - 32)))).toEqual(ed);
    // 1024 bits: one length octet; 2048 and 4096: two; exponent 3 as well as 65537.
    for (const [modulusLength, publicExponent] of [[1024, 3], [2048, 65537], [4096, 65537]] as const) {
      const rsa = generateKeyPairSync("rsa", { modulusLength, publicExponent }).publicKey;
      const jwk = rsa.export({ format: "jwk" });
      const spki = rsaSpki(Buffer.from(jwk.n!, "base64url"), Buffer.from(jwk.e!, "base64url"));
      expect(Buffer.from(spki)).toEqual(rsa.export({ type: "spki", format: "der" }));
      expect(createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).asymmetricKeyType).toBe("rsa");
    }
  });

  test("secp256k1, which Bun's OpenSSL does not know, gives what @peculiar's ASN.1 serializer gives", () => {
    const point = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false);
    const info = curveByName("secp256k1");
    const reference = AsnConvert.serialize(
      new SubjectPublicKeyInfo({
        algorithm: new AlgorithmIdentifier({ algorithm: "1.2.840.10045.2.1", parameters: new Uint8Array(info.ecParams).buffer }),
        subjectPublicKey: new Uint8Array(point).buffer,
      }),
    );
    expect(Buffer.from(curveSpki(info, point))).toEqual(Buffer.from(reference));
  });
});

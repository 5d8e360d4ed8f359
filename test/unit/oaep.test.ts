/**
 * The service-side OAEP codec against BoringSSL's: what one encodes the other decodes, for
 * every hash, and a tampered encoding is refused.
 */
import { describe, expect, test } from "bun:test";
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt } from "node:crypto";
import { oaepDecode, oaepEncode, oaepMaxMessageBytes } from "../../src/signer/oaep";

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const k = 256;

describe("OAEP", () => {
  for (const hash of ["SHA1", "SHA224", "SHA256", "SHA384", "SHA512"] as const) {
    const oaepHash = hash.toLowerCase();
    test(`${hash}: decodes what OpenSSL encodes, and OpenSSL decodes what it encodes`, () => {
      for (const length of [0, 1, 32, oaepMaxMessageBytes(k, hash)]) {
        const message = Buffer.alloc(length, 0x5a);
        const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, message);
        const em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext);
        expect(oaepDecode(em, k, hash)).toEqual(message);

        const encoded = oaepEncode(message, k, hash)!;
        const raw = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, encoded);
        expect(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, raw)).toEqual(message);
      }
      expect(oaepEncode(Buffer.alloc(oaepMaxMessageBytes(k, hash) + 1), k, hash)).toBeNull();
    });
  }

  test("any altered byte, a wrong hash or a wrong length is refused", () => {
    const encoded = oaepEncode(Buffer.from("secret"), k, "SHA256")!;
    expect(oaepDecode(encoded, k, "SHA256")).toEqual(Buffer.from("secret"));
    for (const at of [0, 1, 40, 200, 255]) {
      const tampered = Buffer.from(encoded);
      tampered[at]! ^= 0x01;
      expect(oaepDecode(tampered, k, "SHA256")).toBeNull();
    }
    expect(oaepDecode(encoded, k, "SHA384")).toBeNull();
    expect(oaepDecode(encoded.subarray(1), k, "SHA256")).toBeNull();
  });
});

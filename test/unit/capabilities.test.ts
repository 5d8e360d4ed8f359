/**
 * What Signet reports it can serve on a token, from the token's mechanism list: what a token
 * lacks is named, per key type, signature algorithm, cipher and wrap method.
 */
import { expect, test } from "bun:test";
import { capabilities, requireKeyGeneration } from "../../src/signer/capabilities";
import { CKM } from "../../src/signer/pkcs11/constants";
import { SignetError } from "../../src/errors";

const RSA_ONLY = [CKM.RSA_PKCS_KEY_PAIR_GEN, CKM.RSA_PKCS, CKM.RSA_PKCS_PSS, CKM.SHA256_RSA_PKCS, CKM.RSA_PKCS_OAEP, CKM.RSA_X_509, 0x5];

test("a token with RSA only: RSA is served; the rest is listed with the mechanism it lacks", () => {
  const found = capabilities(RSA_ONLY, { deterministicEcdsa: false });
  expect(found.keyTypes.available.map((a) => a.name)).toEqual(["RSA"]);
  expect(found.keyTypes.unavailable).toContainEqual({ name: "DSA", missing: "CKM_DSA_PARAMETER_GEN" });
  expect(found.keyTypes.unavailable).toContainEqual({ name: "TDEA", missing: "CKM_DES3_KEY_GEN" });
  expect(found.signatureAlgorithms.available).toContainEqual({ name: "SHA256_WITH_RSA", mechanisms: ["CKM_SHA256_RSA_PKCS"], digest: "token" });
  expect(found.signatureAlgorithms.available).toContainEqual({ name: "SHA384_WITH_RSA", mechanisms: ["CKM_RSA_PKCS"], digest: "service" });
  expect(found.signatureAlgorithms.available).toContainEqual({ name: "NONESHA256_WITH_RSA", mechanisms: ["CKM_RSA_PKCS"], digest: "caller" });
  expect(found.signatureAlgorithms.unavailable).toContainEqual({ name: "KECCAK256_WITH_ECDSA", missing: "CKM_ECDSA" });
  expect(found.cipherAlgorithms.available).toContainEqual({ name: "RSA_PADDING_OAEP_WITH_SHA512", mechanisms: ["CKM_RSA_PKCS_OAEP"] });
  expect(found.cipherAlgorithms.unavailable).toContainEqual({ name: "TDEA_CBC", missing: "CKM_DES3_CBC_PAD" });
  expect(found.wrapMethods.unavailable).toContainEqual({ name: "AES_WRAP_PAD_DSA", missing: "CKM_AES_KEY_WRAP_PAD" });
  expect(found.mechanisms).toContain("CKM_MD5_RSA_PKCS");
});

test("OAEP with a hash the token's OAEP refuses still works on raw RSA", () => {
  const found = capabilities([CKM.RSA_X_509], { deterministicEcdsa: false });
  expect(found.cipherAlgorithms.available).toContainEqual({ name: "RSA_PADDING_OAEP_WITH_SHA256", mechanisms: ["CKM_RSA_X_509"] });
});

test("creating a key the token cannot make is refused with 681 naming the mechanism", () => {
  let error: unknown;
  try {
    requireKeyGeneration({ type: "DSA", bits: 2048 }, new Set(RSA_ONLY));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SignetError);
  expect((error as SignetError).errorCode).toBe(681);
  expect((error as SignetError).message).toContain("CKM_DSA_PARAMETER_GEN");
  expect(() => requireKeyGeneration({ type: "RSA", bits: 2048 }, new Set(RSA_ONLY))).not.toThrow();
});

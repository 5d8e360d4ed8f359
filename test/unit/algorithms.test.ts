import { describe, expect, test } from "bun:test";
import { planSignature, signatureAlgorithm, SIGNATURE_ALGORITHMS } from "../../src/signer/algorithms";
import { CKM } from "../../src/signer/pkcs11/constants";

const softhsm26 = new Set<number>([CKM.RSA_PKCS, CKM.RSA_PKCS_PSS, CKM.SHA256_RSA_PKCS, CKM.SHA256_RSA_PKCS_PSS, CKM.ECDSA, CKM.EDDSA]);

describe("signature plans", () => {
  test("the combined mechanism when the token has it", () => {
    const plan = planSignature(signatureAlgorithm("SHA256_WITH_RSA")!, softhsm26);
    expect(plan).toMatchObject({ mechanism: CKM.SHA256_RSA_PKCS, hashInService: null, digestInfo: null });
  });

  test("hash in the service and sign raw when the token lacks the combined mechanism (SoftHSM has no CKM_ECDSA_SHA256)", () => {
    expect(planSignature(signatureAlgorithm("SHA256_WITH_ECDSA")!, softhsm26)).toMatchObject({ mechanism: CKM.ECDSA, hashInService: "SHA256" });
    expect(planSignature(signatureAlgorithm("SHA384_WITH_RSA")!, softhsm26)).toMatchObject({
      mechanism: CKM.RSA_PKCS,
      hashInService: "SHA384",
      digestInfo: "SHA384",
    });
  });

  test("PSS: salt as long as the hash, MGF1 with the same hash", () => {
    expect(planSignature(signatureAlgorithm("SHA512_WITH_RSA_PSS")!, softhsm26)).toMatchObject({
      mechanism: CKM.RSA_PKCS_PSS,
      pss: { hashAlg: CKM.SHA512, mgf: 4, saltLen: 64 },
      hashInService: "SHA512",
    });
  });

  test("pre-hashed input: fixed digest length, no hashing", () => {
    expect(planSignature(signatureAlgorithm("NONESHA384_WITH_RSA")!, softhsm26)).toMatchObject({
      mechanism: CKM.RSA_PKCS,
      hashInService: null,
      digestInfo: "SHA384",
      digestLength: 48,
    });
    expect(planSignature(signatureAlgorithm("NONE_WITH_ECDSA")!, softhsm26)).toMatchObject({ mechanism: CKM.ECDSA, digestLength: null });
  });

  test("names the mechanism a token lacks", () => {
    expect(planSignature(signatureAlgorithm("EDDSA")!, new Set([CKM.ECDSA]))).toEqual({ missing: CKM.EDDSA });
  });

  test("every algorithm the issue lists is known", () => {
    const listed = [
      ..."SHA1 SHA224 SHA256 SHA384 SHA512".split(" ").flatMap((h) => [`${h}_WITH_RSA`, `${h}_WITH_RSA_PSS`]),
      ..."SHA256 SHA384 SHA512".split(" ").flatMap((h) => [`NONE${h}_WITH_RSA`, `NONE${h}_WITH_RSA_PSS`]),
      ..."SHA224 SHA256 SHA384 SHA512".split(" ").map((h) => `${h}_WITH_ECDSA`),
      "NONE_WITH_ECDSA",
      "EDDSA",
    ];
    for (const name of listed) expect(SIGNATURE_ALGORITHMS.has(name)).toBe(true);
  });
});

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

  test("DSA: the combined mechanism where the token has it; NONE_WITH_DSA takes digests of 20 to 64 bytes on CKM_DSA", () => {
    const dsa = new Set<number>([CKM.DSA, CKM.DSA_SHA256]);
    expect(planSignature(signatureAlgorithm("SHA256_WITH_DSA")!, dsa)).toMatchObject({ mechanism: CKM.DSA_SHA256, hashInService: null });
    expect(planSignature(signatureAlgorithm("SHA384_WITH_DSA")!, dsa)).toMatchObject({ mechanism: CKM.DSA, hashInService: "SHA384" });
    expect(planSignature(signatureAlgorithm("NONE_WITH_DSA")!, dsa)).toMatchObject({ mechanism: CKM.DSA, digestLengths: [20, 28, 32, 48, 64] });
    expect(planSignature(signatureAlgorithm("SHA1_WITH_DSA")!, new Set([CKM.ECDSA]))).toEqual({ missing: CKM.DSA });
  });

  test("ECDSA over SHA-3 uses the token's combined mechanism when it has one, else hashes in the service; Keccak and double SHA-256 always in the service", () => {
    expect(planSignature(signatureAlgorithm("SHA3256_WITH_ECDSA")!, softhsm26)).toMatchObject({ mechanism: CKM.ECDSA, hashInService: "SHA3_256" });
    expect(planSignature(signatureAlgorithm("SHA3256_WITH_ECDSA")!, new Set([CKM.ECDSA, CKM.ECDSA_SHA3_256]))).toMatchObject({ mechanism: CKM.ECDSA_SHA3_256, hashInService: null });
    expect(planSignature(signatureAlgorithm("KECCAK256_WITH_ECDSA")!, softhsm26)).toMatchObject({ mechanism: CKM.ECDSA, hashInService: "KECCAK256" });
    expect(planSignature(signatureAlgorithm("DOUBLE_SHA256_WITH_ECDSA")!, softhsm26)).toMatchObject({ mechanism: CKM.ECDSA, hashInService: "DOUBLE_SHA256" });
  });

  test("NONE_WITH_RSA signs the payload as given; NONE_WITH_RSA_PSS takes a digest whose length picks the PSS parameters", () => {
    expect(planSignature(signatureAlgorithm("NONE_WITH_RSA")!, softhsm26)).toMatchObject({ mechanism: CKM.RSA_PKCS, digestInfo: null, hashInService: null, digestLengths: null });
    expect(planSignature(signatureAlgorithm("NONE_WITH_RSA_PSS")!, softhsm26)).toMatchObject({ mechanism: CKM.RSA_PKCS_PSS, pss: null, pssFromDigestLength: true, digestLengths: [20, 28, 32, 48, 64] });
  });

  test("deterministic ECDSA only on a token found to sign with RFC 6979 nonces, never emulated", () => {
    const algorithm = signatureAlgorithm("SHA256_WITH_ECDSA_DETERMINISTIC")!;
    expect(planSignature(algorithm, softhsm26)).toEqual({ missing: CKM.ECDSA, reason: expect.stringContaining("RFC 6979") });
    expect(planSignature(algorithm, new Set([CKM.ECDSA, CKM.ECDSA_SHA256]), { deterministicEcdsa: true })).toMatchObject({ mechanism: CKM.ECDSA, hashInService: "SHA256" });
  });

  test("every algorithm the TSB Go client lists is known", () => {
    const listed = [
      ..."SHA1 SHA224 SHA256 SHA384 SHA512".split(" ").flatMap((h) => [`${h}_WITH_DSA`, `${h}_WITH_ECDSA`]),
      ..."SHA3224 SHA3256 SHA3384 SHA3512 KECCAK224 KECCAK256 KECCAK384 KECCAK512".split(" ").map((h) => `${h}_WITH_ECDSA`),
      "NONE_WITH_DSA", "NONE_WITH_RSA", "NONE_WITH_RSA_PSS", "DOUBLE_SHA256_WITH_ECDSA", "SHA256_WITH_ECDSA_DETERMINISTIC", "NONESHA1_WITH_RSA", "SHA1_WITH_RSA_PSS",
    ];
    for (const name of listed) expect({ name, known: SIGNATURE_ALGORITHMS.has(name) }).toEqual({ name, known: true });
  });
});


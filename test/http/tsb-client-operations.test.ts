/**
 * Key operations as securosys-com/tsb-client-go runs them (its sign, encrypt and wrap tests,
 * re-created in test/support/tsb-client.ts): every signature algorithm it lists for EC, ED, RSA
 * and DSA keys with the payloads its tests send, every cipher it lists for RSA, AES and TDEA,
 * every wrap method, block, unblock, modify, certificates and random. Every result is checked
 * outside Signet: signatures by Node's OpenSSL (raw digests with openssl pkeyutl), ciphertexts by
 * Node with known keys, certificates by openssl.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { openssl } from "../support/openssl";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { TsbError, TsbGoClient, goTestAttributes } from "../support/tsb-client";
import { apiKeyFor, roleKeys, stateOf, type RoleKeys } from "../support/tsb-setup";
import { nodeCrypto, signingCase, verifyWithNode, type VerifyJob } from "../support/verifier";

let signet: RunningSignet;
let keys: RoleKeys;
let client: TsbGoClient;

const P256 = "1.2.840.10045.3.1.7";
const ED25519 = "1.3.101.112";
const b64 = (data: Uint8Array | string) => Buffer.from(data).toString("base64");

// The algorithm lists of sign.go.
const RSA_ALGORITHMS = [
  "SHA224_WITH_RSA_PSS", "SHA256_WITH_RSA_PSS", "SHA384_WITH_RSA_PSS", "SHA512_WITH_RSA_PSS", "NONE_WITH_RSA", "NONE_WITH_RSA_PSS",
  "SHA224_WITH_RSA", "SHA256_WITH_RSA", "SHA384_WITH_RSA", "SHA512_WITH_RSA", "NONESHA224_WITH_RSA", "NONESHA256_WITH_RSA",
  "NONESHA384_WITH_RSA", "NONESHA512_WITH_RSA", "NONESHA224_WITH_RSA_PSS", "NONESHA256_WITH_RSA_PSS", "NONESHA384_WITH_RSA_PSS",
  "NONESHA512_WITH_RSA_PSS", "SHA1_WITH_RSA", "NONESHA1_WITH_RSA", "SHA1_WITH_RSA_PSS",
];
const EC_ALGORITHMS = [
  "NONE_WITH_ECDSA", "SHA1_WITH_ECDSA", "SHA224_WITH_ECDSA", "SHA256_WITH_ECDSA", "DOUBLE_SHA256_WITH_ECDSA", "SHA384_WITH_ECDSA",
  "SHA512_WITH_ECDSA", "SHA3224_WITH_ECDSA", "SHA3256_WITH_ECDSA", "SHA3384_WITH_ECDSA", "SHA3512_WITH_ECDSA",
  "SHA256_WITH_ECDSA_DETERMINISTIC", "KECCAK224_WITH_ECDSA", "KECCAK256_WITH_ECDSA", "KECCAK384_WITH_ECDSA", "KECCAK512_WITH_ECDSA",
];
const DSA_ALGORITHMS = ["NONE_WITH_DSA", "SHA224_WITH_DSA", "SHA256_WITH_DSA", "SHA384_WITH_DSA", "SHA512_WITH_DSA", "SHA1_WITH_DSA"];

// sign_test.go's payload.
const PAYLOAD = Buffer.from("Z28tY2xpZW50LXRlc3QtcGF5bG9hZA==", "base64");

/** The payload sign_test.go sends: the digest for NONESHA*, SHA-256 of the payload for every NONE_WITH_*, else the payload. */
function goPayload(algorithm: string): Buffer {
  const none = /^NONESHA(1|224|256|384|512)_/.exec(algorithm);
  if (none) return createHash(`sha${none[1]}`).update(PAYLOAD).digest();
  return algorithm.startsWith("NONE_WITH_") ? createHash("sha256").update(PAYLOAD).digest() : PAYLOAD;
}

/**
 * The independent check of a signature made over goPayload(algorithm): NONE_WITH_RSA's input was a
 * bare SHA-256 digest (no DigestInfo), so Node recovers it from the signature; every other one is
 * a standard signature over the original payload (or a raw digest for Keccak).
 */
async function signatureHolds(algorithm: string, spki: string, signature: Buffer, raw: boolean): Promise<boolean> {
  if (algorithm === "NONE_WITH_RSA") {
    const [recovered] = await nodeCrypto([{ op: "publicRecover", spki, data: b64(signature) }], true);
    return typeof recovered === "string" && Buffer.from(recovered, "base64").equals(goPayload(algorithm));
  }
  const name = algorithm === "NONE_WITH_RSA_PSS" ? "NONESHA256_WITH_RSA_PSS" : algorithm === "NONE_WITH_DSA" ? "NONE_WITH_DSA" : algorithm;
  const testCase = signingCase(name, PAYLOAD, spki, raw);
  // The check is over what the client sent: its payload must be what the verification assumes was signed.
  expect({ algorithm, same: Buffer.from(testCase.payload).equals(goPayload(algorithm)) }).toEqual({ algorithm, same: true });
  const [valid] = await verifyWithNode([testCase.job(signature)]);
  return valid!;
}

beforeAll(async () => {
  signet = await startSignet();
  keys = await roleKeys(signet, "ops");
  client = new TsbGoClient(signet.url, { keyManagementToken: [keys.keyManagement], keyOperationToken: [keys.keyOperation], serviceToken: [keys.service] });
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("Sign and Verify (sign_test.go)", () => {
  const CASES = [
    { keyType: "EC", label: "go-client-test-ec-sign", keySize: 0, curveOid: P256, signatureType: "RAW", algorithms: EC_ALGORITHMS },
    { keyType: "ED", label: "go-client-test-ed-sign", keySize: 0, curveOid: ED25519, signatureType: "RAW", algorithms: ["EDDSA"] },
    { keyType: "RSA", label: "go-client-test-rsa-sign", keySize: 2048, curveOid: "", signatureType: "DER", algorithms: RSA_ALGORITHMS },
    { keyType: "DSA", label: "go-client-test-dsa-sign", keySize: 2048, curveOid: "", signatureType: "DER", algorithms: DSA_ALGORITHMS },
  ];

  test("every algorithm the client lists signs, verifies through the client, and verifies with OpenSSL; tampering is caught", async () => {
    const failures: string[] = [];
    for (const c of CASES) {
      await client.createOrUpdateKey(c.label, "", goTestAttributes(), c.keyType, c.keySize, null, c.curveOid, false);
      const spki = (await client.getKey(c.label, "")).publicKey;
      for (const algorithm of c.algorithms) {
        const payload = b64(goPayload(algorithm));
        if (algorithm === "SHA256_WITH_ECDSA_DETERMINISTIC") continue;
        const signed = await client.sign(c.label, "", payload, "UNSPECIFIED", algorithm, c.signatureType);
        expect(signed.status).toBe(200);
        const signature = Buffer.from(signed.signature, "base64");
        const viaClient = await client.verify(c.label, "", payload, algorithm, signed.signature);
        const viaOpenssl = await signatureHolds(algorithm, spki, signature, c.signatureType === "RAW");
        const tampered = Buffer.from(signature);
        tampered[tampered.length - 1]! ^= 1;
        const tamperedViaClient = await client.verify(c.label, "", payload, algorithm, b64(tampered));
        const tamperedViaOpenssl = await signatureHolds(algorithm, spki, tampered, c.signatureType === "RAW");
        if (!viaClient || !viaOpenssl || tamperedViaClient || tamperedViaOpenssl) failures.push(`${c.label} ${algorithm}: ${viaClient} ${viaOpenssl} ${tamperedViaClient} ${tamperedViaOpenssl}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  test("SHA256_WITH_ECDSA_DETERMINISTIC: SoftHSM's ECDSA is not RFC 6979, so the client gets 681 naming it, never a random-nonce signature", async () => {
    const error = (await client.sign("go-client-test-ec-sign", "", b64(PAYLOAD), "UNSPECIFIED", "SHA256_WITH_ECDSA_DETERMINISTIC", "RAW").catch((e: unknown) => e)) as TsbError;
    expect(error).toBeInstanceOf(TsbError);
    expect(error.status).toBe(400);
    expect(error.json()).toEqual({ errorCode: 681, reason: "res.error.mechanism.not.supported", message: expect.stringContaining("RFC 6979") });
  });

  test("NONE_WITH_DSA and NONE_WITH_RSA_PSS take the digests the client may send (20 to 64 bytes) and refuse other lengths", async () => {
    const spkiDsa = (await client.getKey("go-client-test-dsa-sign", "")).publicKey;
    const spkiRsa = (await client.getKey("go-client-test-rsa-sign", "")).publicKey;
    const jobs: VerifyJob[] = [];
    for (const hash of ["sha1", "sha224", "sha256", "sha384", "sha512"]) {
      const digest = createHash(hash).update(PAYLOAD).digest();
      const dsa = await client.sign("go-client-test-dsa-sign", "", b64(digest), "UNSPECIFIED", "NONE_WITH_DSA", "DER");
      // DSA with a 256-bit q signs the leftmost 256 bits of a longer digest (FIPS 186-4), as OpenSSL verifies it.
      jobs.push({ spki: spkiDsa, message: PAYLOAD, signature: Buffer.from(dsa.signature, "base64"), hash, dsaEncoding: "der" });
      const pss = await client.sign("go-client-test-rsa-sign", "", b64(digest), "UNSPECIFIED", "NONE_WITH_RSA_PSS", "DER");
      jobs.push({ spki: spkiRsa, message: PAYLOAD, signature: Buffer.from(pss.signature, "base64"), hash, padding: "pss", saltLength: digest.length });
    }
    expect(await verifyWithNode(jobs)).toEqual(Array(10).fill(true));
    for (const algorithm of ["NONE_WITH_DSA", "NONE_WITH_RSA_PSS"]) {
      const label = algorithm === "NONE_WITH_DSA" ? "go-client-test-dsa-sign" : "go-client-test-rsa-sign";
      const error = (await client.sign(label, "", b64(Buffer.alloc(31, 1)), "UNSPECIFIED", algorithm, "DER").catch((e: unknown) => e)) as TsbError;
      expect({ algorithm, status: error.status, errorCode: error.json().errorCode }).toEqual({ algorithm, status: 400, errorCode: 612 });
    }
  });

  test("an algorithm for another key type answers 607", async () => {
    const error = (await client.sign("go-client-test-dsa-sign", "", b64(PAYLOAD), "UNSPECIFIED", "SHA256_WITH_ECDSA", "DER").catch((e: unknown) => e)) as TsbError;
    expect({ status: error.status, errorCode: error.json().errorCode }).toEqual({ status: 400, errorCode: 607 });
  });
});

describe("Encrypt and Decrypt (encrypt_test.go)", () => {
  const payload = "MDEyMzQ1Njc4OWFiY2RlZg=="; // encrypt_test.go's

  test("RSA: every cipher the client lists round-trips through the client; OAEP and PKCS#1 ciphertexts made by Node decrypt; RSA_NO_PADDING is refused", async () => {
    await client.createOrUpdateKey("go-client-test-rsa-encrypt", "", goTestAttributes(), "RSA", 2048, null, "", false);
    const spki = (await client.getKey("go-client-test-rsa-encrypt", "")).publicKey;
    const NODE: Record<string, { padding: "oaep" | "pkcs1"; oaepHash?: string }> = {
      RSA: { padding: "pkcs1" },
      RSA_PADDING_PKCS: { padding: "pkcs1" },
      RSA_PADDING_OAEP: { padding: "oaep", oaepHash: "sha1" },
      RSA_PADDING_OAEP_WITH_SHA1: { padding: "oaep", oaepHash: "sha1" },
      RSA_PADDING_OAEP_WITH_SHA224: { padding: "oaep", oaepHash: "sha224" },
      RSA_PADDING_OAEP_WITH_SHA256: { padding: "oaep", oaepHash: "sha256" },
      RSA_PADDING_OAEP_WITH_SHA384: { padding: "oaep", oaepHash: "sha384" },
      RSA_PADDING_OAEP_WITH_SHA512: { padding: "oaep", oaepHash: "sha512" },
    };
    for (const [cipher, options] of Object.entries(NODE)) {
      const encrypted = await client.encrypt("go-client-test-rsa-encrypt", "", payload, cipher, -1, "");
      expect({ cipher, iv: encrypted.initializationVector }).toEqual({ cipher, iv: null });
      expect((await client.decrypt("go-client-test-rsa-encrypt", "", encrypted.encryptedPayload!, "", cipher, -1, "")).payload).toBe(payload);
      const [byNode] = await nodeCrypto([{ op: "publicEncrypt", spki, padding: options.padding, oaepHash: options.oaepHash, data: payload }]);
      expect({ cipher, payload: (await client.decrypt("go-client-test-rsa-encrypt", "", byNode, "", cipher, -1, "")).payload }).toEqual({ cipher, payload });
    }
    const refused = (await client.encrypt("go-client-test-rsa-encrypt", "", payload, "RSA_NO_PADDING", -1, "").catch((e: unknown) => e)) as TsbError;
    expect({ status: refused.status, errorCode: refused.json().errorCode }).toEqual({ status: 400, errorCode: 600 });
    expect(refused.json().message).toContain("not offered");
  });

  test("AES and TDEA with known keys: the client's ciphertexts decrypt with Node, Node's decrypt through the client; the ECB modes are refused", async () => {
    const aesKey = randomBytes(32);
    const tdeaKey = Buffer.concat([randomBytes(8), randomBytes(8), randomBytes(8)]);
    await client.importKey("go-aes-known", "", "", b64(aesKey), "", { decrypt: true }, "AES", null);
    await client.importKey("go-tdea-known", "", "", b64(tdeaKey), "", { decrypt: true }, "TDEA", null);
    const NODE: [string, string, string, Buffer, boolean][] = [
      ["go-aes-known", "AES_GCM", "aes-256-gcm", aesKey, false],
      ["go-aes-known", "AES_CTR", "aes-256-ctr", aesKey, false],
      ["go-aes-known", "AES_CBC_NO_PADDING", "aes-256-cbc", aesKey, true],
      ["go-aes-known", "AES", "aes-256-cbc", aesKey, false],
      ["go-tdea-known", "TDEA_CBC", "des-ede3-cbc", tdeaKey, false],
      ["go-tdea-known", "TDEA_CBC_NO_PADDING", "des-ede3-cbc", tdeaKey, true],
    ];
    for (const [label, cipher, nodeCipher, key, noPadding] of NODE) {
      const tagLength = cipher === "AES_GCM" ? 128 : -1;
      const encrypted = await client.encrypt(label, "", payload, cipher, tagLength, "");
      const gcm = cipher === "AES_GCM" ? { tagBytes: 16 } : {};
      const [byNode] = await nodeCrypto([{ op: "cipher", algorithm: nodeCipher, key: b64(key), iv: encrypted.initializationVector, data: encrypted.encryptedPayload, decrypt: true, noPadding, ...gcm }]);
      expect({ cipher, payload: byNode }).toEqual({ cipher, payload });
      const iv = randomBytes(cipher === "AES_GCM" ? 12 : cipher.startsWith("TDEA") ? 8 : 16);
      const [fromNode] = await nodeCrypto([{ op: "cipher", algorithm: nodeCipher, key: b64(key), iv: b64(iv), data: payload, noPadding, ...gcm }]);
      expect({ cipher, payload: (await client.decrypt(label, "", fromNode, b64(iv), cipher, tagLength, "")).payload }).toEqual({ cipher, payload });
    }
    for (const [label, cipher] of [["go-aes-known", "AES_ECB"], ["go-tdea-known", "TDEA_ECB"]]) {
      const refused = (await client.encrypt(label!, "", payload, cipher!, -1, "").catch((e: unknown) => e)) as TsbError;
      expect({ cipher, status: refused.status, errorCode: refused.json().errorCode }).toEqual({ cipher, status: 400, errorCode: 600 });
    }
  });

  test("a TDEA key made by the client round-trips TDEA_CBC and TDEA_CBC_NO_PADDING; a tampered ciphertext does not decrypt to the payload", async () => {
    await client.createOrUpdateKey("go-client-test-tdea-encrypt", "", goTestAttributes(), "TDEA", 0, null, "", false);
    for (const cipher of ["TDEA_CBC", "TDEA_CBC_NO_PADDING"]) {
      const encrypted = await client.encrypt("go-client-test-tdea-encrypt", "", payload, cipher, -1, "");
      expect((await client.decrypt("go-client-test-tdea-encrypt", "", encrypted.encryptedPayload!, encrypted.initializationVector!, cipher, -1, "")).payload).toBe(payload);
      const bytes = Buffer.from(encrypted.encryptedPayload!, "base64");
      bytes[0]! ^= 1;
      const tampered = await client.decrypt("go-client-test-tdea-encrypt", "", b64(bytes), encrypted.initializationVector!, cipher, -1, "").catch((e: TsbError) => e);
      if (tampered instanceof TsbError) expect(tampered.json().errorCode).toBe(410);
      else expect(tampered.payload).not.toBe(payload);
    }
    const odd = (await client.encrypt("go-client-test-tdea-encrypt", "", b64("seven b"), "TDEA_CBC_NO_PADDING", -1, "").catch((e: unknown) => e)) as TsbError;
    expect({ status: odd.status, errorCode: odd.json().errorCode }).toEqual({ status: 400, errorCode: 612 });
  });
});

describe("Wrap and UnWrap (wrap_test.go)", () => {
  // wrap_test.go's cases: the wrap key, the method, the wrapped key; and what Signet answers.
  const CASES: [string, string, string, number, string, number | "unwrapped"][] = [
    ["AES", "AES_WRAP", "AES", 256, "", "unwrapped"],
    ["AES", "AES_WRAP_DSA", "DSA", 2048, "", 600],
    ["AES", "AES_WRAP_EC", "EC", 0, P256, 600],
    ["AES", "AES_WRAP_ED", "ED", 0, ED25519, 600],
    ["AES", "AES_WRAP_RSA", "RSA", 2048, "", 600],
    ["AES", "AES_WRAP_PAD", "AES", 256, "", "unwrapped"],
    ["AES", "AES_WRAP_PAD_DSA", "DSA", 2048, "", "unwrapped"],
    ["AES", "AES_WRAP_PAD_EC", "EC", 0, P256, "unwrapped"],
    ["AES", "AES_WRAP_PAD_ED", "ED", 0, ED25519, 681],
    ["AES", "AES_WRAP_PAD_RSA", "RSA", 2048, "", "unwrapped"],
    ["RSA", "RSA_WRAP_PAD", "AES", 256, "", 600],
    ["RSA", "RSA_WRAP_OAEP", "AES", 256, "", "unwrapped"],
  ];

  test("each case of the client's test: unwrapped keys answer 201 and come back as their type; methods Signet does not offer answer their code", async () => {
    const outcomes: string[] = [];
    for (const [i, [wrapType, method, wrappedType, wrappedSize, curveOid, expected]] of CASES.entries()) {
      const wrapKey = `go-client-test-wrap-key-${String(i).padStart(2, "0")}`;
      const wrapped = `go-client-test-wrap-src-${String(i).padStart(2, "0")}`;
      const unwrapped = `go-client-test-wrap-dst-${String(i).padStart(2, "0")}`;
      await client.createOrUpdateKey(wrapKey, "", goTestAttributes(), wrapType, wrapType === "AES" ? 256 : 2048, null, "", false);
      await client.createOrUpdateKey(wrapped, "", goTestAttributes(), wrappedType, wrappedSize, null, curveOid, false);
      try {
        const result = await client.wrap(wrapKey, "", wrapped, "", method);
        expect(result.keyVersion).toBe("v1");
        const status = await client.unwrap(result.wrappedKey, unwrapped, goTestAttributes(), wrapKey, "", method, null);
        const key = await client.getKey(unwrapped, "");
        outcomes.push(`${method}: ${status} ${key.algorithm}`);
      } catch (error) {
        outcomes.push(`${method}: ${(error as TsbError).status} ${(error as TsbError).json().errorCode}`);
      }
    }
    expect(outcomes).toEqual(
      CASES.map(([, method, wrappedType, , , expected]) => (expected === "unwrapped" ? `${method}: 201 ${wrappedType}` : `${method}: 400 ${expected}`)),
    );
  }, 120_000);

  test("AES_WRAP with known keys is RFC 3394 as Node computes it, and an unwrapped DSA key signs for the original's public key", async () => {
    const kek = randomBytes(32);
    const secret = randomBytes(32);
    await client.importKey("go-kek-known", "", "", b64(kek), "", { unwrap: true }, "AES", null);
    await client.importKey("go-secret-known", "", "", b64(secret), "", { decrypt: true, extractable: true }, "AES", null);
    const wrapped = await client.wrap("go-kek-known", "", "go-secret-known", "", "AES_WRAP");
    const [byNode, unwrappedByNode] = await nodeCrypto([
      { op: "cipher", algorithm: "id-aes256-wrap", key: b64(kek), iv: "pqampqampqY=", data: b64(secret) },
      { op: "cipher", algorithm: "id-aes256-wrap", key: b64(kek), iv: "pqampqampqY=", data: wrapped.wrappedKey, decrypt: true },
    ]);
    expect(unwrappedByNode).toBe(b64(secret));
    expect(wrapped.wrappedKey).toBe(byNode);

    const original = (await client.getKey("go-client-test-wrap-src-06", "")).publicKey;
    const signature = await client.sign("go-client-test-wrap-dst-06", "", b64(PAYLOAD), "UNSPECIFIED", "SHA256_WITH_DSA", "DER");
    const [valid] = await verifyWithNode([{ spki: original, message: PAYLOAD, signature: Buffer.from(signature.signature, "base64"), hash: "sha256", dsaEncoding: "der" }]);
    expect(valid).toBe(true);
  });
});

describe("Block, UnBlock, Modify", () => {
  test("with the key's password: a blocked key refuses to sign (660) until unblocked; modify sets the policy of a key without one", async () => {
    await client.createOrUpdateKey("go-block", "blockpw", { sign: true, modifiable: true }, "EC", 0, null, P256, false);
    const before = await stateOf(signet);
    for (const call of [client.block("go-block", ""), client.block("go-block", "nope"), client.unblock("go-block", "nope")]) {
      const error = (await call.catch((e: unknown) => e)) as TsbError;
      expect({ status: error.status, errorCode: error.json().errorCode }).toEqual({ status: 403, errorCode: 620 });
    }
    expect(await stateOf(signet)).toBe(before);
    expect(await client.block("go-block", "blockpw")).toBe(200);
    const blocked = (await client.sign("go-block", "blockpw", b64(PAYLOAD), "UNSPECIFIED", "SHA256_WITH_ECDSA", "DER").catch((e: unknown) => e)) as TsbError;
    expect({ status: blocked.status, errorCode: blocked.json().errorCode }).toEqual({ status: 403, errorCode: 660 });
    expect(await client.unblock("go-block", "blockpw")).toBe(200);
    expect((await client.sign("go-block", "blockpw", b64(PAYLOAD), "UNSPECIFIED", "SHA256_WITH_ECDSA", "DER")).status).toBe(200);

    const policy = { ruleUse: { tokens: [{ name: "main", timelock: 0, timeout: 0, groups: null }] } };
    expect(await client.modify("go-block", "blockpw", policy)).toBe(200);
    expect((await client.getKey("go-block", "blockpw")).policy).toEqual(policy);
  });
});

describe("certificates", () => {
  test("CreateCertificate (a CSR) and CreateSelfSignedCertificate with the key's password, checked by openssl", async () => {
    await client.createOrUpdateKey("go-cert", "certpw", { sign: true }, "RSA", 2048, null, "", false);
    const attributes = { commonName: "go.example", country: "CH", organizationName: null };
    const refused = (await client.createCertificate("go-cert", "", "SHA256_WITH_RSA", 30, attributes, ["DIGITAL_SIGNATURE"], ["CLIENT_AUTH"]).catch((e: unknown) => e)) as TsbError;
    expect(refused.json().errorCode).toBe(620);
    const csr = await client.createCertificate("go-cert", "certpw", "SHA256_WITH_RSA", 30, attributes, ["DIGITAL_SIGNATURE", "KEY_ENCIPHERMENT"], ["CLIENT_AUTH", "SERVER_AUTH"]);
    expect(csr.keyVersion).toBe("v1");
    const verifiedCsr = openssl(["req", "-in", "{csr.pem}", "-verify", "-noout", "-subject"], { "csr.pem": csr.certificateSigningRequest! });
    expect(verifiedCsr.code).toBe(0);
    expect(verifiedCsr.out).toContain("go.example");
    const self = await client.createSelfSignedCertificate("go-cert", "certpw", "SHA256_WITH_RSA", 10, "self.go.example", ["DIGITAL_SIGNATURE"], ["SERVER_AUTH"], false);
    const verified = openssl(["verify", "-CAfile", "{cert.pem}", "{cert.pem}"], { "cert.pem": self.certificate! });
    expect(verified.out).toContain("OK");
    expect((await client.getCertificate("go-cert")).certificate).toBe(self.certificate);
  });
});

describe("GenerateRandom", () => {
  test("the client sends its service key; a service client needs the random scope of keyOperation too, and a GET rolls over", async () => {
    const refused = (await client.generateRandom(32).catch((e: unknown) => e)) as TsbError;
    expect({ status: refused.status, errorCode: refused.json().errorCode }).toEqual({ status: 403, errorCode: 400 });
    const both = await apiKeyFor(signet, "go-service-and-random", ["service", "keyOperation"], { scopes: ["service:info", "random:generate"] });
    const rolling = new TsbGoClient(signet.url, { serviceToken: [`sgk_${randomBytes(32).toString("base64url")}`, both] });
    const { random } = await rolling.generateRandom(32);
    expect(Buffer.from(random, "base64").length).toBe(32);
    expect(rolling.sent.map((r) => r.status)).toEqual([401, 200]);
    expect((await rolling.checkConnection()).status).toBe(200);
  });
});

/**
 * POST /v1/synchronousHmac, verifyHmacRequest on POST /v1/verify, and GET /v1/generateRandom.
 * (HMACs are compared with Node's for a known imported key in import-export.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { removeDir, startSignet, type RunningSignet } from "../support/server";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

let signet: RunningSignet;
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");
const payload = b64("keyed hash of this");

const hmac = (keyName: string, data = payload) => signet.json("POST", "/v1/synchronousHmac", { hmacRequest: { keyName, payload: data } });
const verify = (keyName: string, signature: string, data = payload, extra: Record<string, unknown> = {}) =>
  signet.json("POST", "/v1/verify", { verifyHmacRequest: { keyName, payload: data, signature, ...extra } });

beforeAll(async () => {
  signet = await startSignet({ env: { SIGNET_MAX_RANDOM_BYTES: "512" } });
  for (const key of [
    { label: "h256", algorithm: "HMACSHA256" },
    { label: "h256-b", algorithm: "HMACSHA256" },
    { label: "h384", algorithm: "HMACSHA384" },
    { label: "h512", algorithm: "HMACSHA512" },
    { label: "h-nosign", algorithm: "HMACSHA256", attributes: { sign: false } },
    { label: "aes", algorithm: "AES", keySize: 256 },
  ]) {
    expect((await signet.json("POST", "/v1/key", key)).status).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("HMAC", () => {
  test("each HMAC has its hash's length, is deterministic, verifies, and a change of one bit does not", async () => {
    for (const [label, bytes] of [["h256", 32], ["h384", 48], ["h512", 64]] as const) {
      const first = await hmac(label);
      const second = await hmac(label);
      expect(first.status).toBe(200);
      expect(first.body.keyVersion).toBe("v1");
      const mac = Buffer.from(first.body.keyedHash, "base64");
      expect(mac.length).toBe(bytes);
      expect(second.body.keyedHash).toBe(first.body.keyedHash);
      expect((await verify(label, first.body.keyedHash)).body).toEqual({ signatureValid: true });
      const flipped = Buffer.from(mac);
      flipped[0]! ^= 0x80;
      expect((await verify(label, b64(flipped))).body).toEqual({ signatureValid: false });
      expect((await verify(label, b64(mac.subarray(0, 16)))).body).toEqual({ signatureValid: false });
      expect((await verify(label, first.body.keyedHash, b64("another payload"))).body).toEqual({ signatureValid: false });
    }
  });

  test("two keys give different MACs, and one key's MAC does not verify under the other", async () => {
    const a = await hmac("h256");
    const b = await hmac("h256-b");
    expect(a.body.keyedHash).not.toBe(b.body.keyedHash);
    expect((await verify("h256-b", a.body.keyedHash)).body).toEqual({ signatureValid: false });
  });

  const CASES: [string, () => Promise<{ status: number; body: any }>, number, number][] = [
    ["HMAC with an AES key", () => hmac("aes"), 400, 607],
    ["HMAC with a key without the sign attribute", () => hmac("h-nosign"), 403, 614],
    ["HMAC with an unknown key", () => hmac("ghost"), 404, 650],
    ["HMAC of an empty payload", () => hmac("h256", ""), 400, 612],
    ["HMAC of a payload that is not base64", () => hmac("h256", "%%"), 400, 612],
    ["hmacRequest missing", () => signet.json("POST", "/v1/synchronousHmac", {}), 400, 600],
    ["verify: both requests at once", () => signet.json("POST", "/v1/verify", {
      verifyHmacRequest: { keyName: "h256", payload, signature: payload },
      verifySignatureRequest: { signKeyName: "h256", signatureAlgorithm: "SHA256_WITH_ECDSA", payload, signature: payload },
    }), 400, 600],
    ["verify: neither request", () => signet.json("POST", "/v1/verify", {}), 400, 600],
    ["verify: HMAC with an AES key", () => verify("aes", payload), 400, 607],
    ["verify: signature not base64", () => verify("h256", "***"), 400, 612],
    ["verify: unknown key version", () => verify("h256", payload, payload, { keyVersion: "v9" }), 404, 661],
  ];
  for (const [name, call, status, errorCode] of CASES) {
    test(`${name}: ${status} ${errorCode}`, async () => {
      const { status: got, body } = await call();
      expect({ status: got, errorCode: body.errorCode }).toEqual({ status, errorCode });
    });
  }
});

describe("generateRandom", () => {
  test("answers the length asked, different every time", async () => {
    const seen = new Set<string>();
    for (const length of [1, 16, 32, 512, 32]) {
      const { status, body } = await signet.json("GET", `/v1/generateRandom/${length}`);
      expect(status).toBe(200);
      expect(Buffer.from(body.random, "base64").length).toBe(length);
      if (length >= 16) seen.add(body.random);
    }
    expect(seen.size).toBe(4);
  });

  for (const [path, status, errorCode] of [
    ["/v1/generateRandom/0", 400, 619],
    ["/v1/generateRandom/513", 400, 619],
    ["/v1/generateRandom/-5", 400, 619],
    ["/v1/generateRandom/many", 400, 600],
  ] as const) {
    test(`${path}: ${status} ${errorCode}`, async () => {
      const { status: got, body } = await signet.json("GET", path);
      expect({ status: got, errorCode: body.errorCode }).toEqual({ status, errorCode });
    });
  }
});

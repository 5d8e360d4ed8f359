/**
 * AES and HMAC keys made inside the token: what they report, that they survive a restart with
 * their type (an HMAC key's hash is read back from the token, not only from the database), and
 * what is refused when they are made.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { removeDir, startSignet, tempDir } from "../support/server";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

const dataDir = tempDir("secret");
afterAll(() => removeDir(dataDir));

const KEYS = [
  { label: "aes-128", algorithm: "AES", keySize: 128, bits: 128, oid: "2.16.840.1.101.3.4.1" },
  { label: "aes-192", algorithm: "AES", keySize: 192, bits: 192, oid: "2.16.840.1.101.3.4.1" },
  { label: "aes-256", algorithm: "AES", keySize: 256, bits: 256, oid: "2.16.840.1.101.3.4.1" },
  { label: "hmac-256", algorithm: "HMACSHA256", bits: 256, oid: "1.2.840.113549.2.9" },
  { label: "hmac-384", algorithm: "HMACSHA384", bits: 384, oid: "1.2.840.113549.2.10" },
  { label: "hmac-512", algorithm: "HMACSHA512", keySize: 512, bits: 512, oid: "1.2.840.113549.2.11" },
];

test("AES and HMAC keys are created in the token, described, and survive a restart with their type", async () => {
  const first = await startSignet({ dataDir });
  try {
    for (const key of KEYS) {
      const { status, body } = await first.json("POST", "/v1/key", { label: key.label, algorithm: key.algorithm, keySize: key.keySize });
      expect({ label: key.label, status }).toEqual({ label: key.label, status: 200 });
      const json = body.json;
      expect(json.algorithm).toBe(key.algorithm);
      expect(json.algorithmOid).toBe(key.oid);
      expect(json.keySize).toBe(key.bits);
      expect(json.publicKey).toBeNull();
      expect(json.curveOid).toBeNull();
      expect(json.attributes.sensitive).toBe(true);
      expect(json.attributes.extractable).toBe(false);
      // AES keys encrypt and decrypt by default; HMAC keys sign.
      expect(json.attributes.decrypt).toBe(key.algorithm === "AES");
      expect(json.attributes.sign).toBe(key.algorithm !== "AES");
    }
  } finally {
    expect(await first.stop()).toBe(0);
  }
  // Forget the database: the keys are adopted from the token, HMAC keys with their hash.
  removeDir(`${dataDir}/signet.db`);
  removeDir(`${dataDir}/signet.db-wal`);
  removeDir(`${dataDir}/signet.db-shm`);
  const second = await startSignet({ dataDir });
  try {
    expect(second.output()).toContain("reconciled keys with the token");
    for (const key of KEYS) {
      const { status, body } = await second.json("GET", `/v1/key/${key.label}/attributes`);
      expect(status).toBe(200);
      expect(body.json.algorithm).toBe(key.algorithm);
      expect(body.json.keySize).toBe(key.bits);
    }
  } finally {
    await second.stop();
  }
});

test("bad secret-key requests are refused with their codes and create nothing", async () => {
  const signet = await startSignet();
  try {
    const cases = [
      [{ label: "a", algorithm: "AES", keySize: 100 }, 400, 603],
      [{ label: "a", algorithm: "AES" }, 400, 603],
      [{ label: "a", algorithm: "AES", keySize: 256, attributes: { slip10: true } }, 400, 606],
      [{ label: "a", algorithm: "AES", keySize: 256, attributes: { signs: true } }, 400, 606],
      [{ label: "a", algorithm: "HMACSHA256", attributes: { decrypt: "yes" } }, 400, 600],
      [{ label: "a", algorithm: "TDEA", keySize: 128 }, 400, 603],
      [{ label: "a", algorithm: "HMACSHA256", keySize: 128 }, 400, 603],
      [{ label: "a", algorithm: "HMACSHA1" }, 400, 613],
    ] as const;
    for (const [body, status, errorCode] of cases) {
      const response = await signet.json("POST", "/v1/key", body);
      expect({ body, status: response.status, errorCode: response.body.errorCode }).toEqual({ body, status, errorCode });
    }
    expect((await signet.json("GET", "/v1/key")).body).toEqual([]);
  } finally {
    await signet.stop();
    removeDir(signet.dataDir);
  }
});

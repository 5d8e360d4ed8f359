/**
 * SIGNET_PKCS11_*: a token initialised beforehand with softhsm2-util is used as it is. Keys
 * created through the API are visible to pkcs11-tool on that token, and a key made with
 * pkcs11-tool beforehand is usable through the API.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { findSoftHsmModule } from "../../src/signer/embedded/softhsm";
import { removeDir, startSignet, tempDir, type RunningSignet } from "../support/server";
import { signingCase, verifyWithNode } from "../support/verifier";

const dir = tempDir("external");
const conf = join(dir, "softhsm2.conf");
const modulePath = findSoftHsmModule()!;
const PIN = "ext-user-pin-4711";
const env = { SOFTHSM2_CONF: conf };
let signet: RunningSignet;

function run(args: string[]): string {
  const result = Bun.spawnSync(args, { env: { ...process.env, ...env } });
  if (result.exitCode !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr.toString()}${result.stdout.toString()}`);
  return result.stdout.toString();
}

beforeAll(async () => {
  writeFileSync(conf, `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  Bun.spawnSync(["mkdir", "-p", join(dir, "tokens")]);
  run(["softhsm2-util", "--init-token", "--free", "--label", "bank-hsm", "--pin", PIN, "--so-pin", "ext-so-pin-4711"]);
  // A key that exists before Signet ever sees the token.
  run(["pkcs11-tool", "--module", modulePath, "--token-label", "bank-hsm", "--login", "--pin", PIN,
    "--keypairgen", "--key-type", "EC:prime256v1", "--label", "legacy-key", "--id", "a1b2"]);
  signet = await startSignet({
    dataDir: join(dir, "data"),
    env: { ...env, SIGNET_PKCS11_MODULE: modulePath, SIGNET_PKCS11_TOKEN_LABEL: "bank-hsm", SIGNET_PKCS11_PIN: PIN },
  });
});

afterAll(async () => {
  await signet?.stop();
  removeDir(dir);
});

test("no embedded token is created", () => {
  expect(signet.output()).not.toContain("created the embedded SoftHSM2 token");
  expect(Bun.spawnSync(["test", "-e", join(dir, "data/hsm")]).exitCode).not.toBe(0);
});

test("a key created through the API is on the token for pkcs11-tool", async () => {
  const created = await signet.json("POST", "/v1/key", { label: "api-made", algorithm: "RSA", keySize: 2048 });
  expect(created.status).toBe(200);
  const objects = run(["pkcs11-tool", "--module", modulePath, "--token-label", "bank-hsm", "--login", "--pin", PIN, "--list-objects"]);
  expect(objects).toMatch(/Private Key Object; RSA[^]*label:\s+api-made/);
  expect(objects).toMatch(/Public Key Object; RSA 2048 bits[^]*label:\s+api-made/);
});

test("the key pkcs11-tool made beforehand is listed and signs", async () => {
  const labels = await signet.json("GET", "/v1/key");
  expect(labels.body).toContain("legacy-key");
  const attributes = await signet.json("GET", "/v1/key/legacy-key/attributes");
  expect(attributes.status).toBe(200);
  expect(attributes.body.json.curveOid).toBe("1.2.840.10045.3.1.7");
  const message = Buffer.from("signed by a key Signet adopted");
  const testCase = signingCase("SHA256_WITH_ECDSA", message, attributes.body.json.publicKey);
  const signed = await signet.json("POST", "/v1/synchronousSign", {
    signRequest: { payload: message.toString("base64"), signKeyName: "legacy-key", signatureAlgorithm: "SHA256_WITH_ECDSA" },
  });
  expect(signed.status).toBe(200);
  expect(await verifyWithNode([testCase.job(Buffer.from(signed.body.signature, "base64"))])).toEqual([true]);
});

test("deleting through the API removes the objects from the token", async () => {
  expect((await signet.request("DELETE", "/v1/key/api-made")).status).toBe(200);
  const objects = run(["pkcs11-tool", "--module", modulePath, "--token-label", "bank-hsm", "--login", "--pin", PIN, "--list-objects"]);
  expect(objects).not.toContain("api-made");
  expect(objects).toContain("legacy-key");
});

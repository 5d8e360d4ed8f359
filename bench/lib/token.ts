/** The bench's own embedded token: a fresh SoftHSM token under a data directory, and its signer. */
import { findSoftHsmModule, prepareEmbeddedToken } from "../../src/signer/embedded/softhsm";
import { Pkcs11Signer } from "../../src/signer/signer";
import type { KeyUsageFlags } from "../../src/signer/types";

/** The bench's keys sign and nothing else, as a production signing key would. */
export const SIGNING_KEY_FLAGS: KeyUsageFlags = {
  sign: true, decrypt: false, unwrap: false, derive: false, extractable: false,
  modifiable: false, destroyable: true, sensitive: true, copyable: false,
};

export async function openBenchToken(dataDir: string, workers: number) {
  const token = prepareEmbeddedToken(dataDir, findSoftHsmModule()!);
  const signer = await Pkcs11Signer.open({
    modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: token.pin,
    pool: { workers, sessionsPerWorker: 1, queueMax: 100_000, maxBatch: 256, pipelineDepth: 2, opTimeoutMs: 60_000, keygenTimeoutMs: 120_000 },
    afterTokenChange: () => token.snapshots.take(),
  });
  return { token, signer };
}

/**
 * The embedded token: a SoftHSM2 token of Signet's own under the data directory, created on
 * first start with random PINs and reused afterwards.
 *
 * Layout under <dataDir>/hsm (mode 0700):
 *   softhsm2.conf   SoftHSM configuration pointing at tokens/
 *   pins.json       the user and SO PINs (0600), written durably before the token exists
 *   tokens/         SoftHSM's file store
 *   snapshots/      see snapshots.ts
 *   provisioned     marker written once the token is complete; without it a start that was
 *                   cut off during provisioning starts over from an empty tokens/ directory
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { setNativeEnv } from "../../platform/native-env";
import { CKF, CKU } from "../pkcs11/constants";
import { findTokenSlot, loadModule } from "../pkcs11/module";
import { TokenSnapshots, writeFileDurably, type RestoreReport } from "./snapshots";

export const EMBEDDED_TOKEN_LABEL = "signet";

/** Where Debian, Ubuntu, Fedora and Homebrew put the SoftHSM2 module. */
export const SOFTHSM_MODULE_CANDIDATES = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib64/pkcs11/libsofthsm2.so",
  "/usr/local/lib/softhsm/libsofthsm2.so",
  "/opt/homebrew/lib/softhsm/libsofthsm2.so",
];

export function findSoftHsmModule(): string | null {
  return SOFTHSM_MODULE_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export interface EmbeddedToken {
  modulePath: string;
  tokenLabel: string;
  pin: string;
  snapshots: TokenSnapshots;
  /** True when this start created the token. */
  created: boolean;
  /** Files put back from the last snapshot because the previous run ended mid-write. */
  recovery: RestoreReport;
}

interface Pins {
  userPin: string;
  soPin: string;
}

function newPin(): string {
  return randomBytes(18).toString("base64url");
}

/**
 * Prepares the embedded token. Must run before anything else in the process loads a
 * PKCS#11 module, because SoftHSM reads SOFTHSM2_CONF once, when it is initialised.
 */
export function prepareEmbeddedToken(dataDir: string, modulePath: string): EmbeddedToken {
  const hsmDir = resolve(dataDir, "hsm");
  const tokensDir = join(hsmDir, "tokens");
  const pinsPath = join(hsmDir, "pins.json");
  const marker = join(hsmDir, "provisioned");
  const confPath = join(hsmDir, "softhsm2.conf");
  mkdirSync(hsmDir, { recursive: true, mode: 0o700 });
  const snapshots = new TokenSnapshots(tokensDir, join(hsmDir, "snapshots"));

  setNativeEnv("SOFTHSM2_CONF", confPath);
  if (existsSync(marker)) {
    const pins = JSON.parse(readFileSync(pinsPath, "utf8")) as Pins;
    const recovery = snapshots.restoreIfDiverged();
    return { modulePath, tokenLabel: EMBEDDED_TOKEN_LABEL, pin: pins.userPin, snapshots, created: false, recovery };
  }

  rmSync(tokensDir, { recursive: true, force: true });
  rmSync(join(hsmDir, "snapshots"), { recursive: true, force: true });
  mkdirSync(tokensDir, { recursive: true, mode: 0o700 });
  writeFileDurably(
    confPath,
    [
      "# Written by Signet on first start; the embedded token's file store.",
      `directories.tokendir = ${tokensDir}`,
      "objectstore.backend = file",
      "log.level = ERROR",
      "slots.removable = false",
      "",
    ].join("\n"),
  );
  const pins: Pins = { userPin: newPin(), soPin: newPin() };
  writeFileDurably(pinsPath, JSON.stringify(pins));
  initialiseToken(modulePath, pins);
  snapshots.take();
  writeFileDurably(marker, new Date().toISOString());
  return {
    modulePath,
    tokenLabel: EMBEDDED_TOKEN_LABEL,
    pin: pins.userPin,
    snapshots,
    created: true,
    recovery: { restored: [], removed: [] },
  };
}

/** C_InitToken on the free slot, then C_InitPIN as SO; PINs never appear on a command line. */
function initialiseToken(modulePath: string, pins: Pins): void {
  const p11 = loadModule(modulePath);
  const free = p11.C_GetSlotList(true).find((slot) => (p11.C_GetTokenInfo(slot).flags & CKF.TOKEN_INITIALIZED) === 0);
  if (!free) throw new Error("SoftHSM offers no free slot for the embedded token");
  // The label is blank-padded here: pkcs11js pads with NULs, which the spec does not allow.
  p11.C_InitToken(free, pins.soPin, EMBEDDED_TOKEN_LABEL.padEnd(32, " "));
  const slot = findTokenSlot(p11, EMBEDDED_TOKEN_LABEL);
  const session = p11.C_OpenSession(slot, CKF.SERIAL_SESSION | CKF.RW_SESSION);
  try {
    p11.C_Login(session, CKU.SO, pins.soPin);
    p11.C_InitPIN(session, pins.userPin);
    p11.C_Logout(session);
  } finally {
    p11.C_CloseSession(session);
  }
}

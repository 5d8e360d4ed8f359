/**
 * Loading a PKCS#11 module, finding the token and logging in.
 *
 * C_Initialize and C_Login are process-wide: every Worker that loads the module after the
 * first gets CKR_CRYPTOKI_ALREADY_INITIALIZED and CKR_USER_ALREADY_LOGGED_IN, and both are
 * success here. CKF_OS_LOCKING_OK is required: without it SoftHSM turns its own mutexes off
 * and concurrent use from several threads fails with CKR_GENERAL_ERROR. C_Finalize is never
 * called while the process runs, since one thread's C_Finalize ends the module for all.
 */
import { PKCS11 } from "pkcs11js";
import { CKF, CKU } from "./constants";
import { ckrName } from "./ckr";

export type Handle = Buffer;

/** What part of the PKCS#11 setup is wrong; the composition root names the setting. */
export type SetupField = "module" | "tokenLabel" | "pin";

export class SignerSetupError extends Error {
  constructor(readonly field: SetupField, message: string) {
    super(message);
    this.name = "SignerSetupError";
  }
}

export function loadModule(path: string): PKCS11 {
  const p11 = new PKCS11();
  try {
    p11.load(path);
  } catch (error) {
    throw new SignerSetupError("module", `cannot load the PKCS#11 module at ${path} (${(error as Error).message})`);
  }
  try {
    p11.C_Initialize({ flags: CKF.OS_LOCKING_OK });
  } catch (error) {
    const ckr = ckrName(error);
    if (ckr !== "CKR_CRYPTOKI_ALREADY_INITIALIZED") {
      throw new SignerSetupError("module", `the PKCS#11 module at ${path} failed to initialise (${ckr ?? (error as Error).message})`);
    }
  }
  return p11;
}

/** PKCS#11 pads labels with blanks; some writers pad with NULs instead. */
export function unpadLabel(label: string): string {
  return label.replace(/[ \0]+$/, "");
}

export function findTokenSlot(p11: PKCS11, label: string): Handle {
  for (const slot of p11.C_GetSlotList(true)) {
    const info = p11.C_GetTokenInfo(slot);
    if (unpadLabel(info.label) === label && (info.flags & CKF.TOKEN_INITIALIZED) !== 0) return slot;
  }
  throw new SignerSetupError("tokenLabel", `no initialised token labelled "${label}" is present`);
}

export function openSession(p11: PKCS11, slot: Handle): Handle {
  return p11.C_OpenSession(slot, CKF.SERIAL_SESSION | CKF.RW_SESSION);
}

/** Logs the user in unless the application already is. Never logs out. */
export function loginUser(p11: PKCS11, session: Handle, pin: string): void {
  try {
    p11.C_Login(session, CKU.USER, pin);
  } catch (error) {
    const ckr = ckrName(error);
    if (ckr === "CKR_USER_ALREADY_LOGGED_IN") return;
    if (ckr === "CKR_PIN_INCORRECT" || ckr === "CKR_PIN_INVALID" || ckr === "CKR_PIN_LEN_RANGE" || ckr === "CKR_PIN_LOCKED") {
      throw new SignerSetupError("pin", `login to the token was refused (${ckr})`);
    }
    throw error;
  }
}

/**
 * Setting an environment variable that native code will read.
 *
 * Under Bun, assigning process.env does not reach libc: a PKCS#11 module that calls getenv()
 * (SoftHSM reads SOFTHSM2_CONF in C_Initialize) sees nothing. The variable is therefore set
 * with libc's own setenv through bun:ffi, before the module is loaded. This is one of the
 * small seams that keep Bun-only APIs out of the rest of the code.
 */
import { dlopen, FFIType } from "bun:ffi";

let libc: ReturnType<typeof openLibc> | null = null;

function openLibc() {
  return dlopen("libc.so.6", {
    setenv: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  });
}

function cString(value: string): Buffer {
  return Buffer.from(`${value}\0`, "utf8");
}

export function setNativeEnv(name: string, value: string): void {
  libc ??= openLibc();
  if (libc.symbols.setenv(cString(name), cString(value), 1) !== 0) {
    throw new Error(`setenv(${name}) failed`);
  }
  process.env[name] = value;
}

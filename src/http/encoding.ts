/** Base64 at the HTTP edge: strict decoding with an error that names the field. */
import { SignetError } from "../errors";

export function decodeBase64(value: string, field: string): Uint8Array {
  try {
    return Uint8Array.fromBase64(value);
  } catch {
    throw new SignetError("invalidPayload", `${field} is not valid base64`);
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/**
 * A WebCrypto object for @peculiar/x509 whose private keys live in the HSM. The library signs
 * certificates and CSRs only through `crypto.subtle.sign(algorithm, key, tbs)`; given an
 * HsmPrivateKey, this crypto sends the TBS bytes to the signer and returns the signature in
 * WebCrypto's format (raw r‖s for ECDSA). It also answers `exportKey("spki")` for an
 * HsmPublicKey from the SPKI the token gave, so that keys WebCrypto does not know (secp256k1)
 * work as well. Everything else goes to the platform's WebCrypto (digests for key identifiers).
 */
import type { Signer } from "../../signer/signer";

const HSM = Symbol("signet.hsm-key");

interface HsmKeyBase {
  readonly extractable: false;
  readonly algorithm: KeyAlgorithm;
  readonly [HSM]: true;
}

export interface HsmPrivateKey extends HsmKeyBase {
  readonly type: "private";
  readonly usages: KeyUsage[];
  readonly handleId: string;
  /** The TSB name of the signature algorithm this key signs with here. */
  readonly tsbAlgorithm: string;
}

export interface HsmPublicKey extends HsmKeyBase {
  readonly type: "public";
  readonly usages: KeyUsage[];
  readonly spki: Uint8Array;
}

function isHsmKey(key: unknown): key is HsmPrivateKey | HsmPublicKey {
  return typeof key === "object" && key !== null && HSM in key;
}

/** `algorithm` is what @peculiar/x509 reads from a key: the name, and a named curve for ECDSA. */
export function hsmKeyPair(
  handleId: string,
  tsbAlgorithm: string,
  algorithm: KeyAlgorithm,
  spki: Uint8Array,
): { privateKey: CryptoKey; publicKey: CryptoKey } {
  const privateKey: HsmPrivateKey = { type: "private", extractable: false, usages: ["sign"], algorithm, handleId, tsbAlgorithm, [HSM]: true };
  const publicKey: HsmPublicKey = { type: "public", extractable: false, usages: ["verify"], algorithm, spki, [HSM]: true };
  // The library only reads these fields; it never hands them to the platform's WebCrypto.
  return { privateKey: privateKey as unknown as CryptoKey, publicKey: publicKey as unknown as CryptoKey };
}

function bytesOf(data: BufferSource): Uint8Array {
  // A copy of its own: the signer hands its payload buffer over to a Worker.
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
}

export function hsmCrypto(signer: Signer): Crypto {
  const platform = globalThis.crypto.subtle;
  const subtle = new Proxy(platform, {
    get(target, property) {
      if (property === "sign") {
        return async (algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> => {
          if (!isHsmKey(key)) return target.sign(algorithm, key, data);
          if (key.type !== "private") throw new Error("an HSM public key does not sign");
          // DER is false: WebCrypto's ECDSA signatures are raw r‖s, and the library encodes them.
          const signature = await signer.sign(key.handleId, key.tsbAlgorithm, bytesOf(data), false);
          return signature.slice().buffer as ArrayBuffer;
        };
      }
      if (property === "exportKey") {
        return async (format: KeyFormat, key: CryptoKey) => {
          if (!isHsmKey(key)) return target.exportKey(format as "spki", key);
          if (key.type !== "public" || format !== "spki") throw new Error("an HSM key exports only its public key, as SPKI");
          return key.spki.slice().buffer;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    subtle,
    getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto),
    randomUUID: globalThis.crypto.randomUUID.bind(globalThis.crypto),
  } as Crypto;
}

/**
 * Plain import and export of key material (POST /v1/key/import/plain, /v1/key/export/plain).
 *
 * An imported key lands in the token and behaves like a generated one: same attributes
 * (sensitive and not extractable unless asked), same checks, version 1. The material is
 * checked before it reaches the token: its type is the one claimed, an RSA key has at least
 * 2048 bits, a public key given beside a private key belongs to it, a secret key has a length
 * its type takes. Export gives a key's material only when the key is extractable and not
 * sensitive.
 */
import { SignetError } from "../../errors";
import {
  encodePrivateKey,
  ecPublicPoint,
  KeyMaterialError,
  parsePrivateKey,
  publicKeySpki,
  rsaBits,
  type KeyMaterial,
  type PrivateKeyMaterial,
} from "../../signer/key-material";
import { curveByName } from "../../signer/curves";
import { unwrapEcPoint } from "../../signer/encoding";
import type { Signer } from "../../signer/signer";
import { HMAC_BYTES, isHmacAlgorithm, isSecretKeyType, type KeyType } from "../../signer/types";
import type { CertificateService } from "../certificates/certificate-service";
import type { OperationContext } from "../context";
import type { KeyService, KeyView } from "./key-service";
import { AES_KEY_SIZES, RSA_KEY_SIZES, usageFlags, type CreateKeyInput } from "./key-spec";
import { namedVersion } from "./key-use";

export interface ImportInput {
  label: string;
  algorithm: string;
  /** PKCS#8 DER. */
  privateKey?: Uint8Array | null;
  /** SubjectPublicKeyInfo DER; when given it must be the private key's. */
  publicKey?: Uint8Array | null;
  /** Raw secret key bytes (AES, HMAC). */
  secretKey?: Uint8Array | null;
  /** An X.509 certificate for the key (PEM or DER bytes), stored beside it. */
  certificate?: Uint8Array | null;
  attributes?: CreateKeyInput["attributes"];
  policy?: unknown;
}

export interface ExportedKey {
  label: string;
  algorithm: KeyType;
  keyVersion: string;
  privateKey: Uint8Array | null;
  publicKey: Uint8Array | null;
  secretKey: Uint8Array | null;
}

/** Longest HMAC key taken: longer keys are hashed by HMAC anyway (RFC 2104). */
const MAX_HMAC_KEY_BYTES = 128;

function present(value: Uint8Array | null | undefined): value is Uint8Array {
  return value !== null && value !== undefined;
}

export class KeyTransferService {
  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly certificates: CertificateService,
  ) {}

  async import(input: ImportInput, context: OperationContext): Promise<KeyView> {
    const type = this.type(input.algorithm);
    const flags = usageFlags(type, input.attributes);
    const material = isSecretKeyType(type) ? this.secretMaterial(type, input) : this.privateMaterial(type, input);
    try {
      // A certificate comes with a private key only, and must be its: checked before anything lands.
      let certificate: ReturnType<CertificateService["checkCertificateFor"]> | null = null;
      if (present(input.certificate)) {
        if (material.type !== "RSA" && material.type !== "EC" && material.type !== "ED") {
          throw new SignetError("inputValidation", `${material.type} keys have no certificate`);
        }
        certificate = this.certificates.checkCertificateFor(input.certificate, publicKeySpki(material));
      }
      const view = await this.keys.land(input.label, "imported", input.policy ?? null, (ref) => this.signer.importKey(ref, material, flags));
      if (certificate) {
        try {
          await this.certificates.storeFor(view, certificate);
        } catch (error) {
          await this.keys.delete(view.label, context);
          throw error;
        }
      }
      return view;
    } finally {
      wipe(material);
    }
  }

  async export(label: string, keyVersion: string | null | undefined, _context: OperationContext): Promise<ExportedKey> {
    const key = this.keys.cached(label) ?? (await this.keys.resolve(label));
    if (!key.flags.extractable || key.flags.sensitive) {
      throw new SignetError("operationForbiddenForKey", `key "${label}" is ${key.flags.sensitive ? "sensitive" : "not extractable"}: its material is not exported`);
    }
    const use = namedVersion(key, keyVersion);
    const material = await this.signer.exportKey(use.handleId);
    try {
      const exported: ExportedKey = { label, algorithm: key.type, keyVersion: use.keyVersion, privateKey: null, publicKey: null, secretKey: null };
      if (material.type === "RSA" || material.type === "EC" || material.type === "ED") {
        const complete = completePoint(material);
        exported.privateKey = encodePrivateKey(complete);
        exported.publicKey = publicKeySpki(complete);
      } else {
        exported.secretKey = new Uint8Array(material.value);
      }
      return exported;
    } finally {
      wipe(material);
    }
  }

  private type(algorithm: string): KeyType {
    if (algorithm === "RSA" || algorithm === "EC" || algorithm === "ED" || algorithm === "AES" || isHmacAlgorithm(algorithm)) return algorithm;
    throw new SignetError("invalidKeyType", `key algorithm "${algorithm}" is not supported (RSA, EC, ED, AES, HMACSHA256, HMACSHA384, HMACSHA512)`);
  }

  private secretMaterial(type: "AES" | "HMACSHA256" | "HMACSHA384" | "HMACSHA512", input: ImportInput): KeyMaterial {
    if (present(input.privateKey) || present(input.publicKey)) {
      throw new SignetError("inputValidation", `${type} keys are imported as secretKey, without privateKey or publicKey`);
    }
    if (!present(input.secretKey)) throw new SignetError("inputValidation", `${type} keys need secretKey`);
    const length = input.secretKey.length;
    if (type === "AES" && !(AES_KEY_SIZES as readonly number[]).includes(length * 8)) {
      throw new SignetError("invalidKeyEncoding", `an AES key is 16, 24 or 32 bytes; secretKey is ${length}`);
    }
    if (type !== "AES" && (length < HMAC_BYTES[type] || length > MAX_HMAC_KEY_BYTES)) {
      throw new SignetError("invalidKeyEncoding", `an ${type} key is ${HMAC_BYTES[type]} to ${MAX_HMAC_KEY_BYTES} bytes; secretKey is ${length}`);
    }
    return { type, value: input.secretKey };
  }

  private privateMaterial(type: "RSA" | "EC" | "ED", input: ImportInput): PrivateKeyMaterial {
    if (present(input.secretKey)) throw new SignetError("inputValidation", `${type} keys are imported as privateKey, without secretKey`);
    if (!present(input.privateKey)) throw new SignetError("inputValidation", `${type} keys need privateKey (PKCS#8); a public key alone is not imported`);
    let material: PrivateKeyMaterial;
    try {
      material = parsePrivateKey(input.privateKey);
    } catch (error) {
      if (error instanceof KeyMaterialError) throw new SignetError("invalidKeyEncoding", error.message);
      throw error;
    }
    if (material.type !== type) throw new SignetError("invalidKeyEncoding", `privateKey is an ${material.type} key; algorithm is ${type}`);
    if (material.type === "RSA" && rsaBits(material.rsa) < RSA_KEY_SIZES[0]) {
      throw new SignetError("unsupportedKeySize", `the RSA key has ${rsaBits(material.rsa)} bits; Signet takes ${RSA_KEY_SIZES[0]} and more`);
    }
    if (present(input.publicKey) && !Buffer.from(publicKeySpki(material)).equals(Buffer.from(input.publicKey))) {
      throw new SignetError("invalidKeyEncoding", "publicKey is not the public key of privateKey");
    }
    return material;
  }
}

/** An exported EC key whose token holds no public key object gets its point from the private value. */
function completePoint(material: PrivateKeyMaterial): PrivateKeyMaterial {
  if (material.type === "RSA" || material.point.length > 0) return unwrapPoint(material);
  return { ...material, point: ecPublicPoint(curveByName(material.curve), material.value) };
}

/** The token gives CKA_EC_POINT as a DER OCTET STRING; the encoders take the bare point. */
function unwrapPoint(material: PrivateKeyMaterial): PrivateKeyMaterial {
  if (material.type === "RSA") return material;
  return { ...material, point: unwrapEcPoint(material.point, curveByName(material.curve)) };
}

/** Best effort: overwrite secret bytes once they are no longer needed. */
function wipe(material: KeyMaterial): void {
  if (material.type === "RSA") {
    for (const value of Object.values(material.rsa)) value.fill(0);
  } else {
    material.value.fill(0);
  }
}

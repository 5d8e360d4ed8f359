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
import type { KeyMaterial, PrivateKeyMaterial } from "../../signer/key-material";
import type { Signer } from "../../signer/signer";
import { HMAC_BYTES, isHmacAlgorithm, isSecretKeyType, type KeyType } from "../../signer/types";
import type { CertificateService, CheckedCertificate } from "../certificates/certificate-service";
import type { AuditRecorder } from "../../audit/audit-log";
import { requireKey } from "../access/key-grant";
import { keyEvent, recorded } from "../audit/recorded";
import type { OperationContext } from "../context";
import type { KeyService, KeyView } from "./key-service";
import { AES_KEY_SIZES, RSA_KEY_SIZES, usageFlags, type CreateKeyInput } from "./key-spec";
import { namedVersion } from "./key-use";
import { hashPassword, isNoPassword } from "./key-passwords";

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
  /** A TSB password for the new key (Signet extension on import); empty or absent: none. */
  password?: string | null;
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

/**
 * The PKCS#8 and curve code (@noble/curves, the ASN.1 schemas) is loaded the first time key
 * material is imported or exported, not at start-up.
 */
type MaterialModule = typeof import("../../signer/key-material");
let materialModule: Promise<MaterialModule> | null = null;
function material(): Promise<MaterialModule> {
  materialModule ??= import("../../signer/key-material");
  return materialModule;
}

export class KeyTransferService {
  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly certificates: CertificateService,
    private readonly audit: AuditRecorder,
  ) {}

  /** Recorded as key.import with the type and whether a certificate came along (never the material). */
  import(input: ImportInput, context: OperationContext): Promise<KeyView> {
    requireKey(context, input.label);
    const event = keyEvent("key.import", input.label, { algorithm: String(input.algorithm), withCertificate: present(input.certificate) });
    return recorded(this.audit, context, event, () => this.importNow(input, context), (view) => ({ keyVersion: view.keyVersion }));
  }

  /** Recorded as key.export: who took plain key material out of the HSM, and which version. */
  export(label: string, keyVersion: string | null | undefined, context: OperationContext, password?: string | null): Promise<ExportedKey> {
    requireKey(context, label);
    const event = keyEvent("key.export", label, { keyVersion: keyVersion ?? null });
    return recorded(this.audit, context, event, () => this.exportNow(label, keyVersion, context, password), (out) => ({ keyVersion: out.keyVersion }));
  }

  private async importNow(input: ImportInput, context: OperationContext): Promise<KeyView> {
    const type = this.type(input.algorithm);
    const flags = usageFlags(type, input.attributes);
    const codec = await material();
    const keyMaterial = isSecretKeyType(type) ? this.secretMaterial(type, input) : this.privateMaterial(type, input, codec);
    try {
      // A certificate comes with a private key only, and must be its: checked before anything lands.
      let certificate: CheckedCertificate | null = null;
      if (present(input.certificate)) {
        if (keyMaterial.type !== "RSA" && keyMaterial.type !== "EC" && keyMaterial.type !== "ED") {
          throw new SignetError("inputValidation", `${keyMaterial.type} keys have no certificate`);
        }
        certificate = await this.certificates.checkCertificateFor(input.certificate, codec.publicKeySpki(keyMaterial));
      }
      const passwordHash = isNoPassword(input.password) ? null : await hashPassword(input.password);
      const view = await this.keys.land(input.label, "imported", input.policy ?? null, (ref) => this.signer.importKey(ref, keyMaterial, flags), { passwordHash });
      if (certificate) {
        try {
          await this.certificates.storeFor(view, certificate);
        } catch (error) {
          await this.keys.delete(view.label, context, input.password);
          throw error;
        }
      }
      return view;
    } finally {
      wipe(keyMaterial);
    }
  }

  private async exportNow(label: string, keyVersion: string | null | undefined, context: OperationContext, password: string | null | undefined): Promise<ExportedKey> {
    const key = this.keys.cached(label) ?? (await this.keys.resolve(label));
    await this.keys.passwords.check(key, password, context, "key.export");
    if (!key.flags.extractable || key.flags.sensitive) {
      throw new SignetError("operationForbiddenForKey", `key "${label}" is ${key.flags.sensitive ? "sensitive" : "not extractable"}: its material is not exported`);
    }
    const use = namedVersion(key, keyVersion);
    const codec = await material();
    const exportedMaterial = await this.signer.exportKey(use.handleId);
    try {
      const exported: ExportedKey = { label, algorithm: key.type, keyVersion: use.keyVersion, privateKey: null, publicKey: null, secretKey: null };
      if (exportedMaterial.type === "RSA" || exportedMaterial.type === "EC" || exportedMaterial.type === "ED") {
        const complete = codec.withPublicPoint(exportedMaterial);
        exported.privateKey = codec.encodePrivateKey(complete);
        exported.publicKey = codec.publicKeySpki(complete);
      } else {
        exported.secretKey = new Uint8Array(exportedMaterial.value);
      }
      return exported;
    } finally {
      wipe(exportedMaterial);
    }
  }

  private type(algorithm: string): Exclude<KeyType, "DSA"> {
    if (algorithm === "DSA") throw new SignetError("invalidKeyType", "DSA keys are not imported as plain material (create them in the HSM, or unwrap them with AES_WRAP_PAD_DSA)");
    if (algorithm === "RSA" || algorithm === "EC" || algorithm === "ED" || algorithm === "AES" || algorithm === "TDEA" || isHmacAlgorithm(algorithm)) return algorithm;
    throw new SignetError("invalidKeyType", `key algorithm "${algorithm}" is not imported (RSA, EC, ED, AES, TDEA, HMACSHA256, HMACSHA384, HMACSHA512)`);
  }

  private secretMaterial(type: "AES" | "TDEA" | "HMACSHA256" | "HMACSHA384" | "HMACSHA512", input: ImportInput): KeyMaterial {
    if (present(input.privateKey) || present(input.publicKey)) {
      throw new SignetError("inputValidation", `${type} keys are imported as secretKey, without privateKey or publicKey`);
    }
    if (!present(input.secretKey)) throw new SignetError("inputValidation", `${type} keys need secretKey`);
    const length = input.secretKey.length;
    if (type === "AES" && !(AES_KEY_SIZES as readonly number[]).includes(length * 8)) {
      throw new SignetError("invalidKeyEncoding", `an AES key is 16, 24 or 32 bytes; secretKey is ${length}`);
    }
    if (type === "TDEA" && length !== 24) {
      throw new SignetError("invalidKeyEncoding", `a TDEA key is 24 bytes (three-key triple DES); secretKey is ${length}`);
    }
    if (type === "TDEA" && !threeDistinctDesKeys(input.secretKey)) {
      // Two equal parts make it one- or two-key triple DES (NIST SP 800-67 keying option 1 needs three).
      throw new SignetError("invalidKeyEncoding", "a TDEA key is three different DES keys; two of the three parts of secretKey are equal");
    }
    if (type !== "AES" && type !== "TDEA" && (length < HMAC_BYTES[type] || length > MAX_HMAC_KEY_BYTES)) {
      throw new SignetError("invalidKeyEncoding", `an ${type} key is ${HMAC_BYTES[type]} to ${MAX_HMAC_KEY_BYTES} bytes; secretKey is ${length}`);
    }
    return { type, value: input.secretKey };
  }

  private privateMaterial(type: "RSA" | "EC" | "ED", input: ImportInput, codec: MaterialModule): PrivateKeyMaterial {
    if (present(input.secretKey)) throw new SignetError("inputValidation", `${type} keys are imported as privateKey, without secretKey`);
    if (!present(input.privateKey)) throw new SignetError("inputValidation", `${type} keys need privateKey (PKCS#8); a public key alone is not imported`);
    let parsed: PrivateKeyMaterial;
    try {
      parsed = codec.parsePrivateKey(input.privateKey);
    } catch (error) {
      if (error instanceof codec.KeyMaterialError) throw new SignetError("invalidKeyEncoding", error.message);
      throw error;
    }
    if (parsed.type !== type) throw new SignetError("invalidKeyEncoding", `privateKey is an ${parsed.type} key; algorithm is ${type}`);
    if (parsed.type === "RSA" && codec.rsaBits(parsed.rsa) < RSA_KEY_SIZES[0]) {
      throw new SignetError("unsupportedKeySize", `the RSA key has ${codec.rsaBits(parsed.rsa)} bits; Signet takes ${RSA_KEY_SIZES[0]} and more`);
    }
    if (present(input.publicKey) && !Buffer.from(codec.publicKeySpki(parsed)).equals(Buffer.from(input.publicKey))) {
      throw new SignetError("invalidKeyEncoding", "publicKey is not the public key of privateKey");
    }
    return parsed;
  }
}

/** K1, K2 and K3 all differ (parity bits, the low bit of each byte, ignored). */
function threeDistinctDesKeys(key: Uint8Array): boolean {
  const part = (i: number) => Array.from(key.subarray(8 * i, 8 * i + 8), (b) => b & 0xfe).join(",");
  const [k1, k2, k3] = [part(0), part(1), part(2)];
  return k1 !== k2 && k2 !== k3 && k1 !== k3;
}

/** Best effort: overwrite secret bytes once they are no longer needed. */
function wipe(material: KeyMaterial): void {
  if (material.type === "RSA") {
    for (const value of Object.values(material.rsa)) value.fill(0);
  } else {
    material.value.fill(0);
  }
}

/**
 * A key's attributes as the TSB answers them to POST /v1/key/attributes: the `json` object, and
 * an XML rendering of the same attributes signed by an attestation key that Signet keeps in the
 * token (`xml`, `xmlSignature`, `attestationKeyName`).
 *
 * The attestation key is an ECDSA P-256 key pair labelled "_signet-attestation", made in the
 * token at first start: sensitive, never extractable, not destroyable, and (like every
 * "_signet-" key) invisible to the key API, so no client can sign with it. The XML is signed as
 * its UTF-8 bytes with SHA256_WITH_ECDSA (DER), which `openssl dgst -sha256 -verify
 * attestation.pem -signature sig.der key.xml` checks; GET /v1/attestation/publicKey gives the
 * public key.
 *
 * What this proves, and what not: the values were read from the token (never_extractable and
 * always_sensitive are the token's own) and signed by a key that never left it. It is not a
 * hardware vendor's attestation rooted in a manufacturer certificate (SoftHSM has none): trust
 * in it is trust in this Signet's attestation key, whose public key you pin.
 */
import type { AuditRecorder } from "../../audit/audit-log";
import { isSignetError, SignetError } from "../../errors";
import type { Signer } from "../../signer/signer";
import { keyHandleId, type KeyObjectRef, type KeyUsageFlags } from "../../signer/types";
import { requireKey } from "../access/key-grant";
import { SYSTEM_CONTEXT, type OperationContext } from "../context";
import type { KeyService, KeyView } from "./key-service";

export const ATTESTATION_KEY: KeyObjectRef = { label: "_signet-attestation", id: "a3" };

const ATTESTATION_FLAGS: KeyUsageFlags = {
  sign: true, decrypt: false, unwrap: false, derive: false, extractable: false,
  modifiable: false, destroyable: false, sensitive: true, copyable: false,
};

export interface AttestedKey {
  view: KeyView;
  /** The attributes as XML (UTF-8). */
  xml: string;
  /** DER ECDSA-SHA256 signature over the XML's bytes, base64. */
  xmlSignature: string;
  attestationKeyName: string;
}

export interface AttestationPublicKey {
  attestationKeyName: string;
  algorithm: "SHA256_WITH_ECDSA";
  /** DER SubjectPublicKeyInfo, base64. */
  publicKey: string;
  publicKeyPem: string;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function element(name: string, value: string | number | boolean | null, indent = "  "): string {
  return value === null ? `${indent}<${name}/>` : `${indent}<${name}>${escapeXml(String(value))}</${name}>`;
}

function isoSeconds(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The XML rendering: the TSB's element names (private_key, algorithm_oid, never_extractable, ...),
 * one element per line so that `grep public_key` finds the public key as the TSB's attestation
 * guide does it. Pure.
 */
export function attestationXml(view: KeyView, token: { label: string; manufacturer: string; model: string; serialNumber: string }, attestTime: string): string {
  const a = view.attributes;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<private_key>",
    element("label", view.label),
    element("algorithm", view.algorithm),
    element("algorithm_oid", view.algorithmOid),
    element("curve_oid", view.curveOid),
    element("key_size", view.keySize),
    element("key_version", view.keyVersion),
    element("create_time", view.createTime),
    element("attest_time", attestTime),
    element("public_key", view.publicKey),
    "  <attributes>",
    ...(
      [
        ["decrypt", a.decrypt],
        ["sign", a.sign],
        ["unwrap", a.unwrap],
        ["derive", a.derive],
        ["sensitive", a.sensitive],
        ["always_sensitive", a.alwaysSensitive],
        ["extractable", a.extractable],
        ["never_extractable", a.neverExtractable],
        ["modifiable", a.modifiable],
        ["copyable", a.copyable],
        ["destroyable", a.destroyable],
      ] as const
    ).map(([name, value]) => element(name, value, "    ")),
    "  </attributes>",
    element("blocked", view.blocked),
    element("password_protected", view.passwordProtected),
    "  <token>",
    element("label", token.label, "    "),
    element("manufacturer", token.manufacturer, "    "),
    element("model", token.model, "    "),
    element("serial_number", token.serialNumber, "    "),
    "  </token>",
    element("attestation_key", ATTESTATION_KEY.label),
    "</private_key>",
    "",
  ].join("\n");
}

export class KeyAttestation {
  private constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly spki: Uint8Array,
  ) {}

  /** Finds or makes the attestation key in the token. */
  static async open(keys: KeyService, signer: Signer, audit: AuditRecorder): Promise<KeyAttestation> {
    let info;
    try {
      info = await signer.describeKey(ATTESTATION_KEY);
    } catch (error) {
      if (!isSignetError(error, "keyNotFound")) throw error;
      info = await signer.generateKeyPair(ATTESTATION_KEY, { type: "EC", curve: "P-256" }, ATTESTATION_FLAGS);
      await audit.record(SYSTEM_CONTEXT, {
        action: "key.create", objectType: "key", objectId: ATTESTATION_KEY.label, outcome: "success", details: { algorithm: "EC", curve: "P-256", purpose: "attestation" },
      });
    }
    if (info.type !== "EC" || info.curve !== "P-256" || !info.publicKeySpki || !info.flags.sign) {
      throw new SignetError("hsmError", `the token's ${ATTESTATION_KEY.label} is not a P-256 signing key pair`);
    }
    return new KeyAttestation(keys, signer, info.publicKeySpki);
  }

  /**
   * The key's attributes, signed (POST /v1/key/attributes and GET /v1/key/{label}/attributes):
   * the caller may use the key, and gives its password if it has one.
   */
  async attest(label: string, password: string | null | undefined, context: OperationContext): Promise<AttestedKey> {
    requireKey(context, label);
    const stored = await this.keys.stored(label);
    await this.keys.passwords.check(stored.key, password, context, "key.attributes");
    const view = await this.keys.describe(label, context);
    const xml = attestationXml(view, this.signer.token, isoSeconds());
    const signature = await this.signer.sign(keyHandleId(ATTESTATION_KEY), "SHA256_WITH_ECDSA", new Uint8Array(Buffer.from(xml, "utf8")), true);
    return { view, xml, xmlSignature: Buffer.from(signature).toString("base64"), attestationKeyName: ATTESTATION_KEY.label };
  }

  publicKey(): AttestationPublicKey {
    const base64 = Buffer.from(this.spki).toString("base64");
    const pem = `-----BEGIN PUBLIC KEY-----\n${base64.match(/.{1,64}/g)!.join("\n")}\n-----END PUBLIC KEY-----\n`;
    return { attestationKeyName: ATTESTATION_KEY.label, algorithm: "SHA256_WITH_ECDSA", publicKey: base64, publicKeyPem: pem };
  }
}

/**
 * A Signet server set up as a TSB client finds one: an API client per TSB role (key
 * management, key operation, service), each with its own X-API-KEY, made through the admin API;
 * and checks shared by the TSB client tests (the attestation signature with openssl, the state
 * of the database and the token before and after a refused request).
 */
import { Database } from "bun:sqlite";
import { expect } from "bun:test";
import { XMLParser } from "fast-xml-parser";
import { join } from "node:path";
import { openssl } from "./openssl";
import type { RunningSignet } from "./server";

export interface RoleKeys {
  keyManagement: string;
  keyOperation: string;
  service: string;
}

export async function apiKeyFor(signet: RunningSignet, name: string, roles: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const created = await signet.json("POST", "/v1/admin/clients", { name, roles, ...extra });
  expect(created.status).toBe(201);
  const credential = await signet.json("POST", `/v1/admin/clients/${created.body.id}/credentials`, { kind: "apiKey" });
  expect(credential.status).toBe(201);
  return credential.body.secret;
}

export async function roleKeys(signet: RunningSignet, prefix = "go"): Promise<RoleKeys> {
  return {
    keyManagement: await apiKeyFor(signet, `${prefix}-key-management`, ["keyManagement"]),
    keyOperation: await apiKeyFor(signet, `${prefix}-key-operation`, ["keyOperation"]),
    service: await apiKeyFor(signet, `${prefix}-service`, ["service"]),
  };
}

/** Rows of every table that holds keys or clients, and the token's key labels: what a refused request must leave as it was. */
export async function stateOf(signet: RunningSignet): Promise<string> {
  const db = new Database(join(signet.dataDir, "signet.db"), { readonly: true });
  try {
    const rows = ["keys", "key_versions", "api_clients", "api_credentials"].map((table) => db.query(`SELECT * FROM ${table} ORDER BY 1`).all());
    const labels = (await signet.json("GET", "/v1/key")).body;
    return JSON.stringify({ rows, labels });
  } finally {
    db.close();
  }
}

export interface AttestationCheck {
  signatureValid: boolean;
  /** The XML's elements, parsed by fast-xml-parser (not Signet's code). */
  parsed: Record<string, any>;
}

/** Checks xmlSignature over xml with `openssl dgst -sha256 -verify` and the attestation public key, and parses the XML. */
export function checkAttestation(xml: string, xmlSignature: string, publicKeyPem: string): AttestationCheck {
  const result = openssl(["dgst", "-sha256", "-verify", "{attestation.pem}", "-signature", "{signature.der}", "{key.xml}"], {
    "attestation.pem": publicKeyPem,
    "signature.der": Buffer.from(xmlSignature, "base64"),
    "key.xml": Buffer.from(xml, "utf8"),
  });
  const parsed = new XMLParser({ parseTagValue: false }).parse(xml) as Record<string, any>;
  return { signatureValid: result.code === 0 && result.out.includes("Verified OK"), parsed: parsed.private_key };
}

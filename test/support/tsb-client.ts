/**
 * What securosys-com/tsb-client-go sends to a TSB and how it reads the answers, re-created in
 * TypeScript for the tests (Go is not installable here: Debian offers Go 1.19, the client's
 * go.mod asks for 1.25.12, and no Go module proxy is reachable). Written from the client's
 * source as a specification of the wire format, not translated from it:
 *
 *   - bodies are built as that client builds them, from string templates (tabs, newlines and
 *     all), optional fields left out rather than sent as null where it leaves them out;
 *   - passwords go as JSON arrays of one-character strings made byte by byte from the UTF-8
 *     password (each byte becomes the character with that code: "é" goes as ["Ã", "©"]), and an
 *     empty password is left out; Go's json.Marshal escapes <, > and & as \u003c, \u003e, \u0026;
 *   - maps of attributes are marshalled with their keys sorted, as Go does;
 *   - every request carries Content-Type: application/json and the X-API-KEY of the route's
 *     role (KeyManagementToken, KeyOperationToken, ServiceToken), the first of its list;
 *   - a 401 whose errorCode is 631 rolls over to the role's next key and sends the request
 *     again; past the last key it fails without sending. The Go client re-sends the same
 *     http.Request, whose body buffer its first send drained, so net/http refuses the second
 *     send of a request with a body ("http: ContentLength=N with Body length 0"): the rollover
 *     only ever works for requests without a body (CheckConnection, GetKeys, GetCertificate,
 *     GenerateRandom). This re-creation does the same;
 *   - 200 and 201 are success, anything else an error carrying the status and body;
 *   - GetKey reads the answer with Go's unchecked type assertions: a field of another type is a
 *     panic (GoPanic here), e.g. xml that is not a string, or a json.id that is not null.
 */

export interface ApiKeys {
  keyManagementToken?: string[];
  keyOperationToken?: string[];
  serviceToken?: string[];
}

export type TokenName = "KeyManagementToken" | "KeyOperationToken" | "ServiceToken";

const LIST: Record<TokenName, keyof ApiKeys> = {
  KeyManagementToken: "keyManagementToken",
  KeyOperationToken: "keyOperationToken",
  ServiceToken: "serviceToken",
};

/** A failed request, as the Go client's `fmt.Errorf("status: %d, body: %s")`. */
export class TsbError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`status: ${status}, body: ${body}`);
  }

  json(): { errorCode: number; reason: string; message: string } {
    return JSON.parse(this.body);
  }
}

/** Where the Go client would panic (an unchecked type assertion that fails). */
export class GoPanic extends Error {}

/** Where Go's net/http refuses to send. */
export class GoTransportError extends Error {}

export interface SentRequest {
  method: string;
  path: string;
  body: string | null;
  apiKey: string | null;
  status: number;
  response: string;
}

/** Go's json.Marshal of a string or string array (HTML characters escaped, as Go does). */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

/** helpers.StringToCharArray: one string per byte of the UTF-8 text, the byte taken as a code point. */
export function charArray(password: string): string[] {
  return Array.from(Buffer.from(password, "utf8"), (byte) => String.fromCharCode(byte));
}

/** A password field as the client writes it: `"name": [...],` or nothing for an empty password. */
function passwordField(name: string, password: string, trailingComma = true): string {
  const chars = goJson(charArray(password));
  if (chars.length <= 2) return "";
  return `"${name}": ${chars}${trailingComma ? "," : ""}`;
}

/** Go marshals map[string]bool with sorted keys. */
function goMap(attributes: Record<string, boolean>): string {
  return `{${Object.keys(attributes).sort().map((k) => `${goJson(k)}:${attributes[k]}`).join(",")}}`;
}

/** fmt.Sprintf("%g", float64). */
function goFloat(value: number): string {
  return String(value);
}

export interface GoKeyAttributes {
  label: string;
  algorithm: string;
  algorithmOid: string;
  curveOid: string;
  keySize: number;
  attributes: Record<string, boolean>;
  publicKey: string;
  policy: unknown;
  xml: string;
  xmlSignature: string;
  attestationKeyName: string;
}

function goTypeOf(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "number") return "float64";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "[]interface {}";
  if (typeof value === "object") return "map[string]interface {}";
  return typeof value;
}

function assertString(value: unknown, what: string): string {
  if (typeof value !== "string") throw new GoPanic(`interface conversion: interface {} is ${goTypeOf(value)}, not string (${what})`);
  return value;
}

function assertMap(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GoPanic(`interface conversion: interface {} is ${goTypeOf(value)}, not map[string]interface {} (${what})`);
  }
  return value as Record<string, unknown>;
}

export class TsbGoClient {
  private readonly index: Record<TokenName, number> = { KeyManagementToken: 0, KeyOperationToken: 0, ServiceToken: 0 };
  /** Every request that reached the server, in order (for assertions on what was sent). */
  readonly sent: SentRequest[] = [];

  constructor(
    private readonly hostUrl: string,
    private readonly apiKeys: ApiKeys,
  ) {}

  private keyFor(name: TokenName): string | null {
    const list = this.apiKeys[LIST[name]] ?? [];
    if (list.length === 0) return null;
    if (this.index[name] >= list.length) throw new TsbError(401, `All apikeys in group ${name} are invalid`);
    return list[this.index[name]]!;
  }

  private async doRequest(method: string, path: string, body: string | null, name: TokenName, resend = false): Promise<{ status: number; body: string }> {
    if (resend && body !== null && body.length > 0) {
      throw new GoTransportError(`http: ContentLength=${Buffer.byteLength(body)} with Body length 0`);
    }
    const apiKey = this.keyFor(name);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (apiKey !== null) headers["x-api-key"] = apiKey;
    const response = await fetch(`${this.hostUrl}${path}`, { method, headers, body: body ?? undefined });
    const text = await response.text();
    this.sent.push({ method, path, body, apiKey, status: response.status, response: text });
    if (apiKey !== null && response.status === 401) {
      const errorCode = assertMap(JSON.parse(text), "401 body").errorCode;
      if (typeof errorCode !== "number") throw new GoPanic(`interface conversion: interface {} is ${goTypeOf(errorCode)}, not float64 (errorCode)`);
      if (errorCode === 631) {
        this.index[name]++;
        return this.doRequest(method, path, body, name, true);
      }
    }
    if (response.status !== 200 && response.status !== 201) throw new TsbError(response.status, text);
    return { status: response.status, body: text };
  }

  /** health.go CheckConnection. */
  async checkConnection(): Promise<{ body: string; status: number }> {
    return this.doRequest("GET", "/v1/keystore/statistics", null, "ServiceToken");
  }

  /** key.go CreateOrUpdateKey: a create-key request; `modify` is not sent (the client never uses it). */
  async createOrUpdateKey(
    label: string,
    password: string,
    attributes: Record<string, boolean>,
    keytype: string,
    keySize: number,
    policy: unknown,
    curveOid: string,
    _modify: boolean,
  ): Promise<string> {
    let policyString = `,"policy":${JSON.stringify(policy ?? null)}`;
    if (attributes.extractable) policyString = `,"policy":null`;
    const keySizeAttr = keySize === 0 ? "" : `"keySize": ${goFloat(keySize)},`;
    const curveOidString = curveOid === "" ? "" : `"curveOid": "${curveOid}",`;
    const body = `{\n\t"label": "${label}",\n    "algorithm": "${keytype}",\t\n    ${passwordField("password", password)}\n\t${keySizeAttr}\n\t${curveOidString}\n\t"attributes": ${goMap(attributes)}${policyString}}`;
    await this.doRequest("POST", "/v1/key", body, "KeyManagementToken");
    return label;
  }

  /** key.go GetKey: POST /v1/key/attributes, read with the client's type assertions. */
  async getKey(label: string, password: string): Promise<GoKeyAttributes> {
    const body = `{\n\t\t\t${passwordField("password", password)}\n\t\t\t"label":"${label}"\t\t\n\t\t}`;
    const answer = await this.doRequest("POST", "/v1/key/attributes", body, "KeyManagementToken");
    const data = assertMap(JSON.parse(answer.body), "response");
    const json = assertMap(data.json, "json");
    const key: Partial<GoKeyAttributes> = {};
    key.algorithm = assertString(json.algorithm, "algorithm");
    key.algorithmOid = assertString(json.algorithmOid, "algorithmOid");
    key.curveOid = typeof json.curveOid === "string" ? json.curveOid : "";
    if (json.derivedAttributes !== null && json.derivedAttributes !== undefined) assertMap(json.derivedAttributes, "derivedAttributes");
    // The client asserts a non-null id to *string, which a JSON value never is: any id but null panics.
    if (json.id !== null && json.id !== undefined) throw new GoPanic(`interface conversion: interface {} is ${goTypeOf(json.id)}, not *string (id)`);
    const attributes = assertMap(json.attributes, "attributes");
    key.attributes = Object.fromEntries(Object.entries(attributes).filter(([, v]) => typeof v === "boolean")) as Record<string, boolean>;
    key.keySize = typeof json.keySize === "number" ? json.keySize : 0;
    key.xml = assertString(data.xml, "xml");
    key.xmlSignature = assertString(data.xmlSignature, "xmlSignature");
    key.attestationKeyName = assertString(data.attestationKeyName, "attestationKeyName");
    key.label = assertString(json.label, "label");
    key.policy = json.policy ?? null;
    key.publicKey = typeof json.publicKey === "string" ? json.publicKey : "";
    return key as GoKeyAttributes;
  }

  /** key.go GetKeys. */
  async getKeys(): Promise<string[]> {
    return JSON.parse((await this.doRequest("GET", "/v1/key", null, "KeyManagementToken")).body);
  }

  /** key.go RemoveKey: POST /v1/key/deleteKey. */
  async removeKey(label: string, password?: string): Promise<void> {
    const passwordString = password === undefined ? "" : (() => {
      const chars = goJson(charArray(password));
      return chars.length > 2 ? `,"password": ${chars}` : "";
    })();
    await this.doRequest("POST", "/v1/key/deleteKey", `{\n\t\t"label": "${label}"${passwordString}\n\t}`, "KeyManagementToken");
  }

  /** key.go UpdateKeyPassword: POST /v1/key/changePassword. */
  async updateKeyPassword(label: string, password: string, newPassword: string): Promise<string> {
    const body = `{\n\t\t\t${passwordField("password", password)}${passwordField("newPassword", newPassword)}\n\t\t\t"label": "${label}"\n\t\t}`;
    await this.doRequest("POST", "/v1/key/changePassword", body, "KeyManagementToken");
    return label;
  }

  /** key.go ImportKey. */
  async importKey(label: string, privateKey: string, publicKey: string, secretKey: string, certificate: string, attributes: Record<string, boolean>, keytype: string, policy: unknown): Promise<unknown> {
    let policyString = `,"policy":${JSON.stringify(policy ?? null)}`;
    if (attributes.extractable) policyString = `,"policy":null`;
    const field = (name: string, value: string) => (value === "" ? "" : `"${name}": "${value}",`);
    const body = `{\n\t"label": "${label}",\n    "algorithm": "${keytype}",\t\n\t${field("privateKey", privateKey)}\n\t${field("publicKey", publicKey)}\n\t${field("secretKey", secretKey)}\n\t${field("certificate", certificate)}\n\t"attributes": ${goMap(attributes)}${policyString}}`;
    return JSON.parse((await this.doRequest("POST", "/v1/key/import/plain", body, "KeyManagementToken")).body);
  }

  /** key.go ExportKey. */
  async exportKey(label: string, password: string): Promise<Record<string, unknown>> {
    const body = `{\n\t\t${passwordField("password", password)}\n\t\t  "label": "${label}"\n\t\t  \n\t  }`;
    return JSON.parse((await this.doRequest("POST", "/v1/key/export/plain", body, "KeyManagementToken")).body);
  }

  /** sign.go Sign (signatureType "" becomes DER, as normalizeSignatureType does). */
  async sign(label: string, password: string, payload: string, payloadType: string, algorithm: string, signatureType: string): Promise<{ signature: string; keyVersion: string; status: number }> {
    const type = signatureType === "" ? "DER" : signatureType;
    if (!["DER", "ETH", "RAW"].includes(type)) throw new Error(`unsupported signature type "${type}"`);
    const body = `{\n\t\t"signRequest": {\n\t\t"payload": "${payload}",\n\t\t"payloadType": "${payloadType}",\n\t\t${passwordField("keyPassword", password)}\n\t\t"signKeyName": "${label}",\n\t\t"signatureAlgorithm": "${algorithm}",\n  \t\t"signatureType":"${type}"\n\n\t\t}\n\t  }`;
    const answer = await this.doRequest("POST", "/v1/synchronousSign", body, "KeyOperationToken");
    const parsed = JSON.parse(answer.body);
    return { signature: parsed.signature, keyVersion: parsed.keyVersion, status: answer.status };
  }

  /** sign.go Verify (masterKeyPassword). */
  async verify(label: string, password: string, payload: string, algorithm: string, signature: string): Promise<boolean> {
    const body = `{\n\t\t"verifySignatureRequest": {\n\t\t  "payload": "${payload}",\n\t\t  ${passwordField("masterKeyPassword", password)}\n\t\t  "signKeyName": "${label}",\n\t\t  "signatureAlgorithm": "${algorithm}",\n\t\t  "signature": "${signature}"\n\t\t}\n\t  }`;
    const parsed = JSON.parse((await this.doRequest("POST", "/v1/verify", body, "KeyOperationToken")).body);
    if (!("signatureValid" in parsed)) throw new Error(`error on verify response, need signatureValid, found ${JSON.stringify(parsed)}`);
    if (typeof parsed.signatureValid !== "boolean") throw new GoPanic("signatureValid is not a bool");
    return parsed.signatureValid;
  }

  /** encrypt.go Encrypt: tagLength only for AES_GCM and when not -1; empty AAD is null. */
  async encrypt(label: string, password: string, payload: string, cipher: string, tagLength: number, aad: string): Promise<Record<string, string | null>> {
    const aadString = aad === "" ? "null" : `"${aad}"`;
    const tagString = tagLength !== -1 && cipher === "AES_GCM" ? `"tagLength":${tagLength},` : "";
    const body = `{\n\t\t"encryptRequest": {\n\t\t  "payload": "${payload}",\n\t\t  ${passwordField("keyPassword", password)}\n\t\t  "encryptKeyName": "${label}",\n\t\t  "cipherAlgorithm": "${cipher}",\n\t\t  ${tagString}\n\t\t  "additionalAuthenticationData":${aadString}\n\t\t}\n\t  }`;
    return JSON.parse((await this.doRequest("POST", "/v1/encrypt", body, "KeyOperationToken")).body);
  }

  /** encrypt.go Decrypt: an empty vector is sent as null. */
  async decrypt(label: string, password: string, ciphertext: string, vector: string, cipher: string, tagLength: number, aad: string): Promise<{ payload: string }> {
    const vectorString = vector === "" ? "null" : `"${vector}"`;
    const aadString = aad === "" ? "null" : `"${aad}"`;
    const tagString = tagLength !== -1 && cipher === "AES_GCM" ? `"tagLength":${tagLength},` : "";
    const body = `{\n\t\t"decryptRequest": {\n\t\t  "encryptedPayload": "${ciphertext}",\n\t\t  ${passwordField("keyPassword", password)}\t\n\t\t  "decryptKeyName": "${label}",\n\t\t  "cipherAlgorithm": "${cipher}",\n\t\t  "initializationVector": ${vectorString},\n\t\t  ${tagString}\n\t\t  "additionalAuthenticationData":${aadString}\n\t\t}\n\t  }`;
    return JSON.parse((await this.doRequest("POST", "/v1/synchronousDecrypt", body, "KeyOperationToken")).body);
  }

  /** wrap.go Wrap. */
  async wrap(wrapKeyName: string, wrapKeyPassword: string, keyToBeWrapped: string, keyToBeWrappedPassword: string, method: string): Promise<{ wrappedKey: string; keyVersion: string; status: number }> {
    const body = `{\n\t\t"wrapKeyRequest": {\n\t\t"keyToBeWrapped": "${keyToBeWrapped}",\n\t\t${passwordField("keyToBeWrappedPassword", keyToBeWrappedPassword)}\n\t\t  "wrapKeyName": "${wrapKeyName}",\n\t\t  ${passwordField("wrapKeyPassword", wrapKeyPassword)}\n\t\t  "wrapMethod":"${method}"\n\t\t}\n\t  }`;
    const answer = await this.doRequest("POST", "/v1/wrap", body, "KeyOperationToken");
    return { ...JSON.parse(answer.body), status: answer.status };
  }

  /** wrap.go UnWrap: answers the status code (the client's tests expect 201). */
  async unwrap(wrappedKey: string, label: string, attributes: Record<string, boolean>, unwrapKeyName: string, unwrapKeyPassword: string, method: string, policy: unknown): Promise<number> {
    let policyString = `,"policy":${JSON.stringify(policy ?? null)}`;
    if (attributes.extractable) policyString = `,"policy":null`;
    const body = `{\n\t\t"unwrapKeyRequest": {\n\t\t"wrappedKey": "${wrappedKey}",\n\t\t"label": "${label}",\n\t\t"unwrapKeyName": "${unwrapKeyName}",\n\t\t${passwordField("unwrapKeyPassword", unwrapKeyPassword)}\n\t\t"wrapMethod": "${method}",\n\t\t"attributes": ${goMap(attributes)}${policyString}\n\t\t}}`;
    return (await this.doRequest("POST", "/v1/synchronousUnwrap", body, "KeyOperationToken")).status;
  }

  /** block.go Block. */
  async block(label: string, password: string): Promise<number> {
    const body = `{\n\t\t"blockRequest": {\n\t\t  ${passwordField("keyPassword", password)}\n\t\t  "blockKeyName": "${label}"\n\t\t}\n\t  }`;
    return (await this.doRequest("POST", "/v1/synchronousBlock", body, "KeyOperationToken")).status;
  }

  /** unblock.go UnBlock. */
  async unblock(label: string, password: string): Promise<number> {
    const body = `{\n\t\t"unblockRequest": {\n\t\t${passwordField("keyPassword", password)}\n\t\t  "unblockKeyName": "${label}"\n\t\t}\n\t  }`;
    return (await this.doRequest("POST", "/v1/synchronousUnblock", body, "KeyOperationToken")).status;
  }

  /**
   * modify.go Modify: reads the key first; a key with a policy goes to the asynchronous
   * /v1/modify (approvals), which Signet does not offer; without one, synchronousModify.
   */
  async modify(label: string, password: string, policy: unknown): Promise<number> {
    const key = await this.getKey(label, password);
    if (key.policy !== null) throw new Error("the Go client would send an asynchronous POST /v1/modify (SKA approvals), which Signet does not offer");
    const body = `{\n\t\t"modifyRequest":{\n\t\t\t${passwordField("keyPassword", password)}\n\t\t\t"modifyKeyName": "${label}"\n\t\t\t,"policy":${JSON.stringify(policy)}}\n\t\t}`;
    return (await this.doRequest("POST", "/v1/synchronousModify", body, "KeyManagementToken")).status;
  }

  /** certs.go CreateCertificate: keyUsage and extendedKeyUsage as one comma-joined string in an array. */
  async createCertificate(signKeyName: string, keyPassword: string, signatureAlgorithm: string, validity: number, attributes: Record<string, string | null>, keyUsage: string[], extendedKeyUsage: string[]): Promise<Record<string, string>> {
    const password = keyPassword === "" ? "" : `\n\t\t  "keyPassword": ${goJson(charArray(keyPassword))},`;
    const body = `{\n\t\t  "signKeyName": "${signKeyName}",${password}\n\t\t  "signatureAlgorithm": "${signatureAlgorithm}",\n\t\t  "validity": ${validity},\n\t\t  "standardCertificateAttributes":${JSON.stringify(attributes)},\n\t\t  "keyUsage": ["${keyUsage.join(",")}"],\n\t\t  "extendedKeyUsage": ["${extendedKeyUsage.join(",")}"]\n\t  }`;
    return JSON.parse((await this.doRequest("POST", "/v1/certificate/synchronous/request", body, "KeyOperationToken")).body);
  }

  /** certs.go CreateSelfSignedCertificate: keyUsage and extendedKeyUsage as JSON arrays. */
  async createSelfSignedCertificate(signKeyName: string, keyPassword: string, signatureAlgorithm: string, validity: number, commonName: string, keyUsage: string[], extendedKeyUsage: string[], certificateAuthority: boolean): Promise<Record<string, string>> {
    const password = keyPassword === "" ? "" : `\n\t\t  "keyPassword": ${goJson(charArray(keyPassword))},`;
    const body = `{\n\t\t  "signKeyName": "${signKeyName}",${password}\n\t\t  "signatureAlgorithm": "${signatureAlgorithm}",\n\t\t  "validity": ${validity},\n\t\t  "commonName": "${commonName}",\n\t\t  "keyUsage": ${goJson(keyUsage)},\n\t\t  "extendedKeyUsage": ${goJson(extendedKeyUsage)},\n\t\t  "certificateAuthority": ${certificateAuthority}\n\t  }`;
    return JSON.parse((await this.doRequest("POST", "/v1/certificate/synchronous/selfsign", body, "KeyOperationToken")).body);
  }

  /** certs.go ImportCertificate: its template ends with a trailing comma, which is not JSON. */
  async importCertificate(label: string, certificate: string): Promise<Record<string, string>> {
    const body = `{\n\t\t  "label": "${label}",\n\t\t  "certificate": "${certificate}",\n\t  }`;
    return JSON.parse((await this.doRequest("POST", "/v1/certificate/import/plain", body, "KeyOperationToken")).body);
  }

  /** certs.go GetCertificate. */
  async getCertificate(label: string): Promise<Record<string, string>> {
    return JSON.parse((await this.doRequest("GET", `/v1/certificate/${label}`, null, "KeyOperationToken")).body);
  }

  /** random.go GenerateRandom: sent with the ServiceToken, as that client does. */
  async generateRandom(length: number): Promise<{ random: string }> {
    return JSON.parse((await this.doRequest("GET", `/v1/generateRandom/${length}`, null, "ServiceToken")).body);
  }
}

/** The attribute set the client's tests give every key they create. */
export function goTestAttributes(): Record<string, boolean> {
  return { decrypt: true, encrypt: true, extractable: true, sign: true, unwrap: true, verify: true, wrap: true, destroyable: true };
}

/**
 * What an audit record is, and the exact bytes that the hash chain and the Merkle tree cover.
 *
 * The entry of record n is the RFC 8785 (JCS) canonical JSON of its fields, `prevHash`
 * included: object keys sorted by UTF-16 code units, no white space, strings and integers
 * as ECMAScript's JSON.stringify writes them. Details hold only strings, integers, booleans,
 * null, arrays and objects of those, so no float formatting question arises.
 *
 *   prevHash(1) = base64(32 zero bytes)
 *   prevHash(n) = base64(SHA-256(entry(n-1)))       the hash chain
 *   leaf(n)     = SHA-256(0x00 ‖ entry(n))          the RFC 6962 leaf, at index n-1
 *
 * Because prevHash is inside the entry, the chain is covered by the tree as well: a record
 * proven included also proves which record came before it.
 */
import { sha256 } from "./merkle";

export const OUTCOMES = ["success", "failure", "denied"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type DetailValue = string | number | boolean | null | DetailValue[] | { [name: string]: DetailValue };

/** Who did it and where the request came from; the shape of the domain's OperationContext. */
export interface AuditContext {
  actor: string;
  requestId: string;
  clientAddress: string | null;
}

/** One thing that happened, as the domain reports it. */
export interface AuditEvent {
  /** Dotted verb, e.g. "key.create", "sign", "apiKey.create", "service.start". */
  action: string;
  objectType: string | null;
  objectId: string | null;
  outcome: Outcome;
  details?: Record<string, DetailValue>;
  /** Values that identify a person (names, e-mail addresses): stored only as keyed hashes. */
  personal?: Record<string, string>;
}

/** A record before the log has numbered it: everything but seq and prevHash. */
export interface PendingRecord {
  time: string;
  actor: string;
  action: string;
  objectType: string | null;
  objectId: string | null;
  outcome: Outcome;
  requestId: string | null;
  /** Already a keyed hash ("hmac-sha256:..."), never the address itself. */
  clientAddress: string | null;
  details: Record<string, DetailValue>;
}

/** Whether canonicalJson takes the value as it is: numbers in details must be safe integers. */
function storable(value: DetailValue): boolean {
  if (typeof value === "number") return Number.isSafeInteger(value);
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(storable);
  for (const name in value) if (!storable(value[name]!)) return false;
  return true;
}

/** A copy in which every number that is not a safe integer (2^60, 1.5, NaN) is its text. */
function asStorable(value: DetailValue): DetailValue {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : String(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(asStorable);
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, asStorable(v)]));
}

/**
 * The record of `event` by `context`, now; the address and details as they are to be stored.
 * Details often echo a request's numbers; one that canonical JSON cannot hold would fail the
 * writer's whole commit, so such numbers are stored as text (checked here, once, for all).
 */
export function pendingRecord(context: AuditContext, event: AuditEvent, clientAddress: string | null, given: Record<string, DetailValue>): PendingRecord {
  const details = storable(given) ? given : (asStorable(given) as Record<string, DetailValue>);
  return {
    time: new Date().toISOString(),
    actor: context.actor,
    action: event.action,
    objectType: event.objectType,
    objectId: event.objectId,
    outcome: event.outcome,
    requestId: context.requestId,
    clientAddress,
    details,
  };
}

export interface AuditRecord extends PendingRecord {
  seq: number;
  /** base64 SHA-256 of the previous record's entry. */
  prevHash: string;
}

export const GENESIS_PREV_HASH = Buffer.alloc(32).toString("base64");

/** RFC 8785 canonical JSON for the values a record holds. */
export function canonicalJson(value: DetailValue | undefined): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError("audit details hold integers only");
    return String(value);
  }
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}

const ENCODER = new TextEncoder();

const json = (value: string | null): string => (value === null ? "null" : JSON.stringify(value));

/**
 * The entry bytes of a record: what the chain and the tree hash. The canonical JSON of the
 * record's fixed fields is written out in RFC 8785's key order (the audit writer does this for
 * every record, and the generic canonicalJson costs several times more); only `details` goes
 * through canonicalJson. A unit test checks that both give the same bytes.
 */
export function entryOf(record: AuditRecord): Uint8Array {
  return entryWithDetails(record, canonicalJson(record.details));
}

/** entryOf, given the canonical JSON of the record's details (the writer stores it too). */
export function entryWithDetails(record: Omit<AuditRecord, "details">, detailsJson: string): Uint8Array {
  if (!Number.isSafeInteger(record.seq)) throw new TypeError("a record's seq is an integer");
  return ENCODER.encode(
    `{"action":${json(record.action)},"actor":${json(record.actor)},"clientAddress":${json(record.clientAddress)},` +
      `"details":${detailsJson},"objectId":${json(record.objectId)},"objectType":${json(record.objectType)},` +
      `"outcome":${json(record.outcome)},"prevHash":${json(record.prevHash)},"requestId":${json(record.requestId)},` +
      `"seq":${record.seq},"time":${json(record.time)}}`,
  );
}

/** The same bytes through the generic encoder: the definition entryOf must match. */
export function entryOfGeneric(record: AuditRecord): Uint8Array {
  return ENCODER.encode(
    canonicalJson({
      seq: record.seq,
      time: record.time,
      actor: record.actor,
      action: record.action,
      objectType: record.objectType,
      objectId: record.objectId,
      outcome: record.outcome,
      requestId: record.requestId,
      clientAddress: record.clientAddress,
      details: record.details,
      prevHash: record.prevHash,
    }),
  );
}

/** The prevHash of the record after this one. */
export function chainHashOf(entry: Uint8Array): string {
  return Buffer.from(sha256(entry)).toString("base64");
}

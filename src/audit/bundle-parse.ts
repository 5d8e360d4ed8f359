/**
 * Reading a bundle back, in whichever of the three formats it was exported, for verification
 * (POST /v1/audit/verify and the offline CLI). The input is untrusted: every field is checked
 * for its type, and anything that is not a bundle is an invalidAuditBundle error. Whether the
 * bundle is *true* is verify.ts's question.
 */
import { XMLParser } from "fast-xml-parser";
import { SignetError } from "../errors";
import { BUNDLE_FORMAT, CSV_COLUMNS, type BundleRecord } from "./bundle";
import { OUTCOMES, type DetailValue } from "./record";

export interface ParsedBundle {
  complete: boolean;
  checkpoint: string;
  records: BundleRecord[];
}

function bad(message: string): never {
  throw new SignetError("invalidAuditBundle", message);
}

const TEXT_FIELDS = ["time", "actor", "action", "outcome", "prevHash"] as const;
const NULLABLE_FIELDS = ["objectType", "objectId", "requestId", "clientAddress"] as const;

function checkedRecord(raw: Record<string, unknown>, at: string): BundleRecord {
  const seq = typeof raw.seq === "string" && /^[1-9][0-9]{0,15}$/.test(raw.seq) ? Number(raw.seq) : raw.seq;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) bad(`${at}: seq must be a positive integer`);
  for (const field of TEXT_FIELDS) if (typeof raw[field] !== "string") bad(`${at}: ${field} must be a string`);
  for (const field of NULLABLE_FIELDS) {
    if (raw[field] !== null && raw[field] !== undefined && typeof raw[field] !== "string") bad(`${at}: ${field} must be a string or null`);
  }
  if (!(OUTCOMES as readonly unknown[]).includes(raw.outcome)) bad(`${at}: unknown outcome`);
  let details = raw.details;
  if (typeof details === "string") {
    try {
      details = JSON.parse(details);
    } catch {
      bad(`${at}: details is not JSON`);
    }
  }
  if (!details || typeof details !== "object" || Array.isArray(details)) bad(`${at}: details must be an object`);
  const proof = raw.inclusionProof;
  if (!Array.isArray(proof) || proof.some((h) => typeof h !== "string")) bad(`${at}: inclusionProof must be a list of base64 hashes`);
  return {
    seq,
    time: raw.time as string,
    actor: raw.actor as string,
    action: raw.action as string,
    objectType: (raw.objectType as string | undefined) ?? null,
    objectId: (raw.objectId as string | undefined) ?? null,
    outcome: raw.outcome as BundleRecord["outcome"],
    requestId: (raw.requestId as string | undefined) ?? null,
    clientAddress: (raw.clientAddress as string | undefined) ?? null,
    details: details as Record<string, DetailValue>,
    prevHash: raw.prevHash as string,
    inclusionProof: proof as string[],
  };
}

function fromJson(text: string): ParsedBundle {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text);
  } catch {
    bad("the bundle is not valid JSON");
  }
  if (parsed?.format !== BUNDLE_FORMAT) bad(`not a ${BUNDLE_FORMAT} bundle`);
  if (typeof parsed.checkpoint !== "string") bad("the bundle has no checkpoint");
  if (!Array.isArray(parsed.records)) bad("the bundle has no records list");
  return {
    complete: parsed.complete === true,
    checkpoint: parsed.checkpoint,
    records: parsed.records.map((r, i) => checkedRecord(r as Record<string, unknown>, `records[${i}]`)),
  };
}

/** RFC 4180: quoted fields, "" inside quotes, CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      if (c === "\r") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (quoted) bad("the CSV ends inside a quoted field");
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}

function fromCsv(text: string): ParsedBundle {
  const [header, ...rows] = parseCsv(text);
  if (!header || header.join(",") !== CSV_COLUMNS.join(",")) bad("the CSV header is not that of an audit bundle");
  const meta = rows.find((r) => r[0] === "bundle");
  const checkpoint = rows.find((r) => r[0] === "checkpoint");
  if (!meta || !checkpoint) bad("the CSV has no bundle or checkpoint row");
  const column = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(meta[column("details")] ?? "");
  } catch {
    bad("the bundle row does not hold JSON");
  }
  if (info.format !== BUNDLE_FORMAT) bad(`not a ${BUNDLE_FORMAT} bundle`);
  const records = rows
    .filter((r) => r[0] === "record")
    .map((r, i) => {
      if (r.length !== CSV_COLUMNS.length) bad(`record row ${i + 1} has ${r.length} cells`);
      const raw: Record<string, unknown> = {};
      CSV_COLUMNS.forEach((name, at) => (raw[name] = r[at] === "" ? null : r[at]));
      raw.inclusionProof = raw.inclusionProof ? String(raw.inclusionProof).split(" ") : [];
      return checkedRecord(raw, `record row ${i + 1}`);
    });
  return { complete: info.complete === true, checkpoint: checkpoint[column("details")] ?? "", records };
}

const XML = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => name === "record" || name === "hash",
  processEntities: true,
});

function fromXml(text: string): ParsedBundle {
  let doc: Record<string, any>;
  try {
    doc = XML.parse(text, true);
  } catch (error) {
    bad(`the bundle is not well-formed XML (${(error as Error).message})`);
  }
  const root = doc.auditBundle;
  if (!root || root["@format"] !== BUNDLE_FORMAT) bad(`not a ${BUNDLE_FORMAT} bundle`);
  if (typeof root.checkpoint !== "string") bad("the bundle has no checkpoint");
  const list: Record<string, any>[] = root.records?.record ?? [];
  const records = list.map((r, i) => {
    const raw: Record<string, unknown> = { seq: r["@seq"] };
    for (const field of [...TEXT_FIELDS, ...NULLABLE_FIELDS, "details"]) raw[field] = r[field] ?? null;
    raw.inclusionProof = r.inclusionProof?.hash ?? [];
    return checkedRecord(raw, `record ${i + 1}`);
  });
  return { complete: root["@complete"] === "true", checkpoint: root.checkpoint, records };
}

export function parseBundle(text: string): ParsedBundle {
  const start = text.trimStart()[0];
  if (start === "{") return fromJson(text);
  if (start === "<") return fromXml(text);
  if (text.startsWith("kind,")) return fromCsv(text);
  bad("a bundle is the JSON, CSV or XML that GET /v1/audit/export produced");
}

/**
 * Export bundles: the records an export selected, each with its inclusion proof, and the
 * signed checkpoint the proofs lead to. One bundle format, written three ways:
 *
 * JSON  {"format", "origin", "complete", "filters", "checkpoint": "<signed note>",
 *        "records": [{seq, time, ..., details, prevHash, inclusionProof: [base64...]}]}
 * CSV   RFC 4180, header row, then one "bundle" row (details = the JSON of format, origin,
 *       complete and filters), one "checkpoint" row (details = the signed note) and one
 *       "record" row per record; inclusionProof is space-separated base64; an empty cell is
 *       null (records never hold empty strings).
 * XML   <auditBundle format origin complete><filters .../><checkpoint>note</checkpoint>
 *       <records><record seq="1"><time>..</time>...<inclusionProof><hash>..</hash>...
 *       </inclusionProof></record>...</records></auditBundle>; an absent element is null.
 *
 * `complete` is true when no filter was applied: the records are then the whole log up to
 * the checkpoint, and a missing record is itself a finding.
 */
import type { AuditFilter } from "../store/audit";
import { canonicalJson, type AuditRecord } from "./record";

export const BUNDLE_FORMAT = "signet-audit-bundle/1";
export type ExportFormat = "json" | "csv" | "xml";

export interface BundleRecord extends AuditRecord {
  inclusionProof: string[];
}

export interface BundleHeader {
  origin: string;
  complete: boolean;
  filters: AuditFilter;
  checkpoint: string;
}

export const CSV_COLUMNS = [
  "kind", "seq", "time", "actor", "action", "objectType", "objectId", "outcome", "requestId", "clientAddress",
  "details", "prevHash", "inclusionProof",
] as const;

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: "application/json",
  csv: "text/csv; charset=utf-8",
  xml: "application/xml; charset=utf-8",
};

function jsonRecord(record: BundleRecord): string {
  return JSON.stringify({
    seq: record.seq, time: record.time, actor: record.actor, action: record.action, objectType: record.objectType,
    objectId: record.objectId, outcome: record.outcome, requestId: record.requestId, clientAddress: record.clientAddress,
    details: record.details, prevHash: record.prevHash, inclusionProof: record.inclusionProof,
  });
}

function csvCell(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(cells: (string | number | null)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

export function xmlEscape(text: string): string {
  // Characters XML 1.0 cannot carry at all are written as U+FFFD; record fields never hold
  // them (details are JSON, where control characters are escaped).
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd");
}

function xmlElement(name: string, value: string | null): string {
  return value === null ? "" : `<${name}>${xmlEscape(value)}</${name}>`;
}

function meta(header: BundleHeader): string {
  return JSON.stringify({ format: BUNDLE_FORMAT, origin: header.origin, complete: header.complete, filters: header.filters });
}

/** The pieces of a bundle in one format: written as head, records joined by `separator`, tail. */
export interface BundleWriter {
  head(header: BundleHeader): string;
  record(record: BundleRecord): string;
  separator: string;
  tail: string;
}

export const WRITERS: Record<ExportFormat, BundleWriter> = {
  json: {
    head: (h) =>
      `{"format":${JSON.stringify(BUNDLE_FORMAT)},"origin":${JSON.stringify(h.origin)},"complete":${h.complete},` +
      `"filters":${JSON.stringify(h.filters)},"checkpoint":${JSON.stringify(h.checkpoint)},"records":[\n`,
    record: jsonRecord,
    separator: ",\n",
    tail: "\n]}\n",
  },
  csv: {
    head: (h) =>
      csvRow([...CSV_COLUMNS]) +
      csvRow(["bundle", null, null, null, null, null, null, null, null, null, meta(h), null, null]) +
      csvRow(["checkpoint", null, null, null, null, null, null, null, null, null, h.checkpoint, null, null]),
    record: (r) =>
      csvRow([
        "record", r.seq, r.time, r.actor, r.action, r.objectType, r.objectId, r.outcome, r.requestId, r.clientAddress,
        canonicalJson(r.details), r.prevHash, r.inclusionProof.join(" "),
      ]),
    separator: "",
    tail: "",
  },
  xml: {
    head: (h) => {
      const filters = Object.entries(h.filters)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
        .join("");
      return (
        `<?xml version="1.0" encoding="UTF-8"?>\n<auditBundle format="${BUNDLE_FORMAT}" origin="${xmlEscape(h.origin)}" complete="${h.complete}">\n` +
        `<filters${filters}/>\n<checkpoint>${xmlEscape(h.checkpoint)}</checkpoint>\n<records>\n`
      );
    },
    record: (r) =>
      `<record seq="${r.seq}">${xmlElement("time", r.time)}${xmlElement("actor", r.actor)}${xmlElement("action", r.action)}` +
      `${xmlElement("objectType", r.objectType)}${xmlElement("objectId", r.objectId)}${xmlElement("outcome", r.outcome)}` +
      `${xmlElement("requestId", r.requestId)}${xmlElement("clientAddress", r.clientAddress)}` +
      `${xmlElement("details", canonicalJson(r.details))}${xmlElement("prevHash", r.prevHash)}` +
      `<inclusionProof>${r.inclusionProof.map((h) => `<hash>${h}</hash>`).join("")}</inclusionProof></record>`,
    separator: "\n",
    tail: "\n</records>\n</auditBundle>\n",
  },
};

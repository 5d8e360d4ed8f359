/**
 * The summary of one block of records (see audit_blocks in store/audit-schema.ts): the set of
 * actors, actions and objects in it and the span of its times. The appender adds each record
 * as it writes it and stores the summary with the block's last record.
 */
import type { AuditBlockRow } from "../store/audit-schema";

export interface SummarisedFields {
  time: string;
  actor: string;
  action: string;
  objectId: string | null;
}

export class BlockSummary {
  private readonly actors = new Set<string>();
  private readonly actions = new Set<string>();
  private readonly objects = new Set<string>();
  private minTime: string | null = null;
  private maxTime: string | null = null;

  add(record: SummarisedFields): void {
    this.actors.add(record.actor);
    this.actions.add(record.action);
    if (record.objectId !== null) this.objects.add(record.objectId);
    if (this.minTime === null || record.time < this.minTime) this.minTime = record.time;
    if (this.maxTime === null || record.time > this.maxTime) this.maxTime = record.time;
  }

  /** The rows of block `block`; empty when no record was added. */
  rows(block: number): AuditBlockRow[] {
    if (this.minTime === null) return [];
    const row = (kind: string, value: string): AuditBlockRow => ({ kind, value, block, minTime: null, maxTime: null });
    return [
      { kind: "time", value: "", block, minTime: this.minTime, maxTime: this.maxTime },
      ...[...this.actors].map((value) => row("actor", value)),
      ...[...this.actions].map((value) => row("action", value)),
      ...[...this.objects].map((value) => row("object", value)),
    ];
  }

  clear(): void {
    this.actors.clear();
    this.actions.clear();
    this.objects.clear();
    this.minTime = null;
    this.maxTime = null;
  }
}

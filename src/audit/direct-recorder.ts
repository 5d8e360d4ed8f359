/**
 * Recording from a process without the HSM (the command-line tool): each record is appended
 * at once, in its own transaction, on the same log as the server's (the appender takes the
 * write lock and picks up where any other writer left off). Without the HSM there is no key
 * for hashing personal data, so records carrying any are refused rather than written in clear.
 * The server's next checkpoint covers these records.
 */
import { SignetError } from "../errors";
import type { AuditRepository } from "../store/audit";
import type { AuditRecorder } from "./audit-log";
import { AuditAppender } from "./appender";
import { pendingRecord, type AuditContext, type AuditEvent } from "./record";

export class DirectAuditRecorder implements AuditRecorder {
  readonly recordsOperations = true;
  private readonly appender: AuditAppender;

  constructor(repo: AuditRepository) {
    this.appender = new AuditAppender(repo);
  }

  async record(context: AuditContext, event: AuditEvent): Promise<void> {
    if (context.clientAddress !== null || (event.personal && Object.keys(event.personal).length > 0)) {
      throw new SignetError("auditUnavailable", "personal data can be recorded only where the HSM's audit key is at hand");
    }
    this.appender.append([pendingRecord(context, event, null, event.details ?? {})]);
  }
}

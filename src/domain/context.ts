/**
 * Who asks, and from where: passed by the HTTP layer to every domain operation so that the
 * domain (not the routes) can record and authorise what happens.
 */
import type { KeyGrant } from "./access/key-grant";

export interface OperationContext {
  /** The authenticated principal's id, or "anonymous" / "cli" / "system". */
  actor: string;
  requestId: string;
  clientAddress: string | null;
  /**
   * The keys the principal may use (see access/key-grant.ts). Absent for the system and the
   * CLI, which may use every key; always present for requests from API clients.
   */
  keys?: KeyGrant;
}

export const SYSTEM_CONTEXT: OperationContext = { actor: "system", requestId: "startup", clientAddress: null };

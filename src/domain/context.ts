/**
 * Who asks, and from where: passed by the HTTP layer to every domain operation so that the
 * domain (not the routes) can record and authorise what happens.
 */
export interface OperationContext {
  /** The authenticated principal's id, or "anonymous" / "cli" / "system". */
  actor: string;
  requestId: string;
  clientAddress: string | null;
}

export const SYSTEM_CONTEXT: OperationContext = { actor: "system", requestId: "startup", clientAddress: null };

/** API clients and their credentials. Secrets are never stored, only their hashes. */
import { and, asc, eq, isNull } from "drizzle-orm";
import type { SqlDatabase } from "../platform/sqlite";
import { apiClients, apiCredentials, type ApiClientRow, type ApiCredentialRow } from "./schema";

export interface CredentialWithClient {
  credential: ApiCredentialRow;
  client: ApiClientRow;
}

export type ClientChanges = Partial<Omit<ApiClientRow, "id" | "createdAt">>;

export class CredentialRepository {
  constructor(private readonly db: SqlDatabase) {}

  insertClient(client: ApiClientRow): void {
    this.db.insert(apiClients).values(client).run();
  }

  clientByName(name: string): ApiClientRow | null {
    return this.db.select().from(apiClients).where(eq(apiClients.name, name)).get() ?? null;
  }

  clientById(id: string): ApiClientRow | null {
    return this.db.select().from(apiClients).where(eq(apiClients.id, id)).get() ?? null;
  }

  clients(): ApiClientRow[] {
    return this.db.select().from(apiClients).orderBy(asc(apiClients.name)).all();
  }

  updateRoles(clientId: string, roles: string): void {
    this.db.update(apiClients).set({ roles }).where(eq(apiClients.id, clientId)).run();
  }

  updateClient(clientId: string, changes: ClientChanges): void {
    this.db.update(apiClients).set(changes).where(eq(apiClients.id, clientId)).run();
  }

  insertCredential(credential: ApiCredentialRow): void {
    this.db.insert(apiCredentials).values(credential).run();
  }

  credentialsOf(clientId: string): ApiCredentialRow[] {
    return this.db
      .select()
      .from(apiCredentials)
      .where(eq(apiCredentials.clientId, clientId))
      .orderBy(asc(apiCredentials.createdAt), asc(apiCredentials.id))
      .all();
  }

  credential(clientId: string, credentialId: string): ApiCredentialRow | null {
    return (
      this.db
        .select()
        .from(apiCredentials)
        .where(and(eq(apiCredentials.clientId, clientId), eq(apiCredentials.id, credentialId)))
        .get() ?? null
    );
  }

  /** Marks a credential revoked unless it already is; returns whether this call revoked it. */
  revokeCredential(credentialId: string, at: string): boolean {
    const result = this.db
      .update(apiCredentials)
      .set({ revokedAt: at })
      .where(and(eq(apiCredentials.id, credentialId), isNull(apiCredentials.revokedAt)))
      .returning({ id: apiCredentials.id })
      .all();
    return result.length > 0;
  }

  /** Adds the successor of a credential and shortens the old one's validity, in one transaction. */
  replaceCredential(successor: ApiCredentialRow, previousId: string, previousNotAfter: string): void {
    this.db.transaction((tx) => {
      tx.insert(apiCredentials).values(successor).run();
      tx.update(apiCredentials).set({ notAfter: previousNotAfter }).where(eq(apiCredentials.id, previousId)).run();
    });
  }

  byLookup(lookup: string): CredentialWithClient | null {
    const row = this.db
      .select()
      .from(apiCredentials)
      .innerJoin(apiClients, eq(apiCredentials.clientId, apiClients.id))
      .where(eq(apiCredentials.lookup, lookup))
      .get();
    return row ? { credential: row.api_credentials, client: row.api_clients } : null;
  }
}

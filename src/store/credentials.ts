/** API clients and their credentials. Secrets are never stored, only their hashes. */
import { asc, eq } from "drizzle-orm";
import type { SqlDatabase } from "../platform/sqlite";
import { apiClients, apiCredentials, type ApiClientRow, type ApiCredentialRow } from "./schema";

export interface CredentialWithClient {
  credential: ApiCredentialRow;
  client: ApiClientRow;
}

export class CredentialRepository {
  constructor(private readonly db: SqlDatabase) {}

  insertClient(client: ApiClientRow): void {
    this.db.insert(apiClients).values(client).run();
  }

  clientByName(name: string): ApiClientRow | null {
    return this.db.select().from(apiClients).where(eq(apiClients.name, name)).get() ?? null;
  }

  clients(): ApiClientRow[] {
    return this.db.select().from(apiClients).orderBy(asc(apiClients.name)).all();
  }

  updateRoles(clientId: string, roles: string): void {
    this.db.update(apiClients).set({ roles }).where(eq(apiClients.id, clientId)).run();
  }

  insertCredential(credential: ApiCredentialRow): void {
    this.db.insert(apiCredentials).values(credential).run();
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

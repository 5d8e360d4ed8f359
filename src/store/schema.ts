/**
 * The database schema (drizzle). The TypeScript here is the source of truth; SQL migrations
 * in migrations/ are generated from it with `npm run db:generate` and applied at start-up.
 *
 * The token is the source of truth for what keys exist; the `keys` table holds what the
 * token cannot: Signet's own metadata (versions and their CKA_IDs, creation request, policy).
 */
import { integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const keys = sqliteTable("keys", {
  label: text("label").primaryKey(),
  /** RSA, EC, ED, DSA, AES, TDEA or an HMAC type. */
  algorithm: text("algorithm").notNull(),
  keySize: integer("key_size"),
  curveOid: text("curve_oid"),
  /** The TSB policy object given at creation, as JSON, or null. */
  policy: text("policy"),
  currentVersion: integer("current_version").notNull().default(1),
  /** Versions below this one are refused for every operation (Vault's min_decryption_version). */
  minVersion: integer("min_version").notNull().default(1),
  /** A blocked key refuses every operation until unblocked (TSB synchronousBlock); kept across restarts. */
  blocked: integer("blocked", { mode: "boolean" }).notNull().default(false),
  /** "generated" by Signet, or "adopted" from objects already on the token. */
  origin: text("origin").notNull(),
  createdAt: text("created_at").notNull(),
  /**
   * The key's TSB password as a slow hash with its salt and cost ("scrypt$ln=15,r=8,p=1$<salt>$<hash>",
   * see src/domain/keys/key-passwords.ts), or null for a key without a password. Never the password.
   */
  passwordHash: text("password_hash"),
});

export const keyVersions = sqliteTable(
  "key_versions",
  {
    label: text("label")
      .notNull()
      .references(() => keys.label, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    /** CKA_ID of this version's objects on the token, lowercase hex ("" for none). */
    tokenId: text("token_id").notNull(),
    /** DER SubjectPublicKeyInfo, base64, or null when the token holds no public part. */
    publicKey: text("public_key"),
    createdAt: text("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.label, table.version] })],
);

export const apiClients = sqliteTable("api_clients", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** JSON array of role names. */
  roles: text("roles").notNull(),
  createdAt: text("created_at").notNull(),
  disabledAt: text("disabled_at"),
  /** JSON array of fine scopes (see src/domain/access/scopes.ts), or null for every scope of its roles. */
  scopes: text("scopes"),
  /** JSON array of key labels, or prefixes ending in "*", the client may use; null: any key. */
  allowedKeys: text("allowed_keys"),
  /** JSON array of CIDR ranges (IPv4 or IPv6) the client may call from; null: anywhere. */
  allowedCidrs: text("allowed_cidrs"),
  /** Token bucket: sustained requests per second and burst; null: the configured default. */
  ratePerSecond: real("rate_per_second"),
  rateBurst: integer("rate_burst"),
  description: text("description"),
  updatedAt: text("updated_at"),
});

export const apiCredentials = sqliteTable(
  "api_credentials",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => apiClients.id, { onDelete: "cascade" }),
    /** "apiKey" (header X-API-KEY), "ticket" (header X-Auth-Ticket) or "certificate" (mutual TLS). */
    kind: text("kind").notNull().default("apiKey"),
    /** Base64url of the first 12 bytes of SHA-256(secret): finds the row without the secret. */
    lookup: text("lookup").notNull(),
    /** Hex SHA-256 of the whole secret (of the DER certificate for "certificate"), compared in constant time. */
    secretHash: text("secret_hash").notNull(),
    createdAt: text("created_at").notNull(),
    notBefore: text("not_before"),
    notAfter: text("not_after"),
    revokedAt: text("revoked_at"),
    /** A name for the credential chosen by the administrator ("ci-2026", "laptop"). */
    name: text("name"),
    /** For a client certificate: its subject, shown in listings. */
    subject: text("subject"),
    /** The credential this one replaced by rotation. */
    rotatedFrom: text("rotated_from"),
  },
  (table) => [uniqueIndex("api_credentials_lookup").on(table.lookup)],
);

export * from "./token-schema";

export type KeyRow = typeof keys.$inferSelect;
export type KeyVersionRow = typeof keyVersions.$inferSelect;
export type ApiClientRow = typeof apiClients.$inferSelect;
export type ApiCredentialRow = typeof apiCredentials.$inferSelect;

export * from "./audit-schema";

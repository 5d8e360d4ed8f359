/**
 * Signet's command-line tool for clients and credentials. Works on the data directory's
 * database directly, so it runs beside a live server (SQLite WAL) or without one; a live
 * server sees its changes within 5 seconds (its credential cache).
 *
 * A new secret goes to stdout, alone, once; everything else (tables, JSON, messages) goes to
 * stderr, or to stdout for read-only commands. Exit codes: 0 done, 1 refused, 2 usage.
 * Every change is recorded in the audit log, as the server's are.
 *
 * `audit verify --bundle FILE --public-key FILE` needs neither the data directory nor the
 * HSM: only an exported bundle and the audit public key (the verifier key, PEM or base64 DER
 * that GET /v1/audit/publicKey publishes). It prints the result as JSON and exits 0 when the
 * bundle is valid, 1 when it is not.
 */
import { readFileSync } from "node:fs";
import { DirectAuditRecorder } from "./audit/direct-recorder";
import { verifyOffline } from "./audit/offline";
import { ConfigError, loadConfig } from "./config";
import { ClientAdminService, type ClientChangesInput } from "./domain/access/client-admin";
import { auditedAccessEvents } from "./domain/audit/access-events";
import { SCOPE_NAMES } from "./domain/access/scopes";
import { ROLES } from "./domain/roles";
import { SignetError } from "./errors";
import { openStore } from "./store/db";

const USAGE = `usage:
  bun src/cli.ts apikey create --name NAME --roles ROLE[,ROLE...]
  bun src/cli.ts client create --name NAME --roles ROLE[,...] [--scopes S,...] [--keys LABEL|PREFIX*,...]
                               [--cidrs CIDR,...] [--rate PER_SECOND[:BURST]] [--description TEXT]
  bun src/cli.ts client update NAME [--roles ...] [--scopes ...|none] [--keys ...|none] [--cidrs ...|none] [--rate ...|none]
  bun src/cli.ts client list | show NAME | disable NAME | enable NAME
  bun src/cli.ts credential create NAME --kind apiKey|ticket [--name LABEL] [--not-before ISO] [--not-after ISO | --valid-for SECONDS]
  bun src/cli.ts credential add-cert NAME --cert FILE.pem [--name LABEL]
  bun src/cli.ts credential list NAME | revoke NAME ID | rotate NAME ID [--overlap SECONDS]
  bun src/cli.ts audit verify --bundle FILE --public-key FILE
roles: ${ROLES.join(", ")}
scopes: ${SCOPE_NAMES.join(", ")}
The data directory is SIGNET_DATA_DIR (default ./data).`;

const CLI_ORIGIN = { actor: "cli", requestId: `cli-${process.pid}`, clientAddress: null };

function fail(message: string, code = 2): never {
  process.stderr.write(`signet: ${message}\n`);
  process.exit(code);
}

function options(args: string[]): { positional: string[]; named: Map<string, string> } {
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("--")) {
      const value = args[i + 1];
      if (value === undefined) fail(`${arg} needs a value\n${USAGE}`);
      named.set(arg.slice(2), value);
      i++;
    } else positional.push(arg);
  }
  return { positional, named };
}

function list(value: string | undefined): string[] | null | undefined {
  if (value === undefined) return undefined;
  if (value === "none") return null;
  return value.split(",").map((item) => item.trim()).filter((item) => item.length > 0);
}

function rate(value: string | undefined): { perSecond: number; burst?: number } | null | undefined {
  if (value === undefined) return undefined;
  if (value === "none") return null;
  const [perSecond, burst] = value.split(":");
  return { perSecond: Number(perSecond), ...(burst === undefined ? {} : { burst: Number(burst) }) };
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) fail(`--${name} must be a whole number of seconds`);
  return Number(value);
}

function clientChanges(named: Map<string, string>): ClientChangesInput {
  const changes: ClientChangesInput = {};
  const roles = list(named.get("roles"));
  if (roles !== undefined) changes.roles = roles ?? [];
  const scopes = list(named.get("scopes"));
  if (scopes !== undefined) changes.scopes = scopes;
  const keys = list(named.get("keys"));
  if (keys !== undefined) changes.allowedKeys = keys;
  const cidrs = list(named.get("cidrs"));
  if (cidrs !== undefined) changes.allowedCidrs = cidrs;
  const limit = rate(named.get("rate"));
  if (limit !== undefined) changes.rateLimit = limit;
  if (named.has("description")) changes.description = named.get("description")!;
  return changes;
}

function show(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function run(admin: ClientAdminService, args: string[]): Promise<void> {
  const [group, command, ...rest] = args;
  const { positional, named } = options(rest);
  const clientId = () => admin.clientByName(positional[0] ?? fail(USAGE)).id;
  switch (`${group} ${command}`) {
    case "apikey create": {
      const name = named.get("name");
      const roles = list(named.get("roles"));
      if (!name || !roles) fail(USAGE);
      const created = await admin.createApiKey(name, roles, CLI_ORIGIN);
      process.stderr.write(`API key for client "${name}" (${roles.join(",")}); it is shown only this once:\n`);
      process.stdout.write(`${created.secret}\n`);
      return;
    }
    case "client create": {
      const name = named.get("name");
      if (!name || !named.has("roles")) fail(USAGE);
      const changes = clientChanges(named);
      show(await admin.createClient({ name, roles: changes.roles ?? [], ...changes }, CLI_ORIGIN));
      return;
    }
    case "client update":
      show(await admin.updateClient(clientId(), clientChanges(named), CLI_ORIGIN));
      return;
    case "client list":
      show(admin.listClients());
      return;
    case "client show":
      show({ ...admin.client(clientId()), credentials: admin.credentials(clientId()) });
      return;
    case "client disable":
    case "client enable":
      show(await admin.setDisabled(clientId(), command === "disable", CLI_ORIGIN));
      return;
    case "credential create": {
      const made = await admin.createCredential(
        clientId(),
        {
          kind: named.get("kind") ?? fail(USAGE),
          name: named.get("name") ?? null,
          notBefore: named.get("not-before") ?? null,
          notAfter: named.get("not-after") ?? null,
          validForSeconds: integer(named.get("valid-for"), "valid-for") ?? null,
        },
        CLI_ORIGIN,
      );
      process.stderr.write(`${JSON.stringify(made.credential)}\nThe ${made.credential.kind} is shown only this once:\n`);
      process.stdout.write(`${made.secret}\n`);
      return;
    }
    case "credential add-cert": {
      const file = named.get("cert") ?? fail(USAGE);
      let pem: string;
      try {
        pem = readFileSync(file, "utf8");
      } catch {
        fail(`cannot read ${file}`, 1);
      }
      show((await admin.createCredential(clientId(), { kind: "certificate", certificate: pem, name: named.get("name") ?? null }, CLI_ORIGIN)).credential);
      return;
    }
    case "credential list":
      show(admin.credentials(clientId()));
      return;
    case "credential revoke":
      show(await admin.revokeCredential(clientId(), positional[1] ?? fail(USAGE), CLI_ORIGIN));
      return;
    case "credential rotate": {
      const rotated = await admin.rotateCredential(clientId(), positional[1] ?? fail(USAGE), { overlapSeconds: integer(named.get("overlap"), "overlap") ?? null }, CLI_ORIGIN);
      process.stderr.write(`${JSON.stringify({ credential: rotated.credential, previous: rotated.previous })}\nThe new secret is shown only this once:\n`);
      process.stdout.write(`${rotated.secret}\n`);
      return;
    }
    default:
      fail(USAGE);
  }
}

function verifyAuditBundle(args: string[]): never {
  const { named } = options(args);
  const bundle = named.get("bundle");
  const publicKey = named.get("public-key");
  if (!bundle || !publicKey) fail(USAGE);
  let result;
  try {
    result = verifyOffline(readFileSync(bundle, "utf8"), readFileSync(publicKey, "utf8"));
  } catch (error) {
    fail((error as Error).message, 2);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(result.valid ? 0 : 1);
}

async function main(args: string[]): Promise<void> {
  if (args[0] === "audit" && args[1] === "verify") verifyAuditBundle(args.slice(2));
  let dataDir: string;
  try {
    dataDir = loadConfig().dataDir;
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
  const store = openStore(dataDir);
  // Changes are reported on stderr as JSON lines (never a secret), as the server logs them.
  const line = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);
  const events = auditedAccessEvents(new DirectAuditRecorder(store.audit), { info: line("info"), warn: line("warn") });
  const admin = new ClientAdminService(store.credentials, events);
  try {
    await run(admin, args);
  } catch (error) {
    if (error instanceof SignetError) fail(error.message, 1);
    throw error;
  } finally {
    store.close();
  }
}

await main(process.argv.slice(2));

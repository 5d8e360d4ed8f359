/**
 * Signet's command-line tool. Works on the data directory's database directly, so it runs
 * beside a live server (SQLite WAL) or without one.
 *
 *   bun src/cli.ts apikey create --name NAME --roles keyOperation,service
 *   bun src/cli.ts audit verify --bundle FILE --public-key FILE
 *
 * The new secret goes to stdout, alone, once; everything else to stderr. `audit verify` needs
 * neither the data directory nor the HSM: only the bundle and the audit public key (the
 * verifier key, PEM or base64 DER that GET /v1/audit/publicKey publishes). It prints the
 * result as JSON and exits 0 when the bundle is valid, 1 when it is not.
 */
import { readFileSync } from "node:fs";
import { ConfigError, loadConfig } from "./config";
import { DirectAuditRecorder } from "./audit/direct-recorder";
import { verifyOffline } from "./audit/offline";
import { AccessService } from "./domain/access";
import { ROLES } from "./domain/roles";
import { SignetError } from "./errors";
import { openStore } from "./store/db";

const USAGE = `usage:
  bun src/cli.ts apikey create --name NAME --roles ROLE[,ROLE...]
  bun src/cli.ts audit verify --bundle FILE --public-key FILE
roles: ${ROLES.join(", ")}
The data directory is SIGNET_DATA_DIR (default ./data).`;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

function fail(message: string, code = 2): never {
  process.stderr.write(`signet: ${message}\n`);
  process.exit(code);
}

function verifyAuditBundle(args: string[]): void {
  const bundle = option(args, "bundle");
  const publicKey = option(args, "public-key");
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
  const [group, command, ...rest] = args;
  if (group === "audit" && command === "verify") return verifyAuditBundle(rest);
  if (group !== "apikey" || command !== "create") fail(USAGE);
  const name = option(rest, "name");
  const roles = option(rest, "roles");
  if (!name || !roles) fail(USAGE);
  let dataDir: string;
  try {
    dataDir = loadConfig().dataDir;
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
  const store = openStore(dataDir);
  try {
    const access = new AccessService(store.credentials, new DirectAuditRecorder(store.audit));
    const context = { actor: "cli", requestId: `cli-${process.pid}`, clientAddress: null };
    const created = await access.createApiKey(name, roles.split(",").map((r) => r.trim()), context);
    process.stderr.write(`API key for client "${name}" (${roles}); it is shown only this once:\n`);
    process.stdout.write(`${created.secret}\n`);
  } catch (error) {
    if (error instanceof SignetError) fail(error.message, 1);
    throw error;
  } finally {
    store.close();
  }
}

await main(process.argv.slice(2));

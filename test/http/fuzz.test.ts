/**
 * Property-based hardening (fast-check): random and malformed methods, paths, headers,
 * credentials, bodies and encodings thrown at every route the OpenAPI document lists, over
 * Bun.serve and over the node:tls listener, and malformed raw HTTP over TCP. For every case:
 * no 5xx (the documented HSM faults aside), the error body on every refusal, security headers,
 * no stack trace, and no change to the database when the request was refused. At the end the
 * server is still up and the token holds exactly the keys the database knows.
 *
 * CI runs a fixed seed and a bounded number of cases; SIGNET_FUZZ_RUNS and SIGNET_FUZZ_SEED
 * give a longer soak locally (see README).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import fc from "fast-check";
import { EKU, makeCa, makeCert } from "../support/certs";
import { removeDir, startSignet, tempDir, type RunningSignet } from "../support/server";

const SEED = Number(process.env.SIGNET_FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.SIGNET_FUZZ_RUNS ?? 250);
const SOAK_TIMEOUT = Math.max(120_000, RUNS * 400);

/** 5xx answers Signet documents for HSM faults; anything else 5xx is a defect. */
const DOCUMENTED_5XX: Record<number, number[]> = { 500: [701], 503: [710, 711], 504: [712] };
/**
 * What the HTTP parsers answer, without a body and closing the connection, to bytes that are
 * not an HTTP request the app could see (Bun answers 505 to a malformed request line).
 */
const PARSER_REFUSALS = [400, 413, 414, 431, 505];
const STACK_TRACE = /\bat [\w.<>$]+ \(|\/work\/|node_modules|\.ts:\d+:\d+|TypeError|ReferenceError/;

interface Target {
  name: string;
  signet: RunningSignet;
  tls?: { ca: string };
  restrictedKey: string;
  restrictedId: string;
}

const targets: Target[] = [];
const dir = tempDir("fuzz");
let routes: { method: string; path: string }[] = [];

function stateDigest(signet: RunningSignet): string {
  const db = new Database(join(signet.dataDir, "signet.db"), { readonly: true });
  try {
    return JSON.stringify(["keys", "key_versions", "api_clients", "api_credentials", "published_keys"].map((t) => db.query(`SELECT * FROM ${t} ORDER BY 1`).all()));
  } finally {
    db.close();
  }
}

async function prepare(target: Omit<Target, "restrictedKey" | "restrictedId">): Promise<Target> {
  const { signet } = target;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${signet.url}${path}`, {
      method,
      headers: { "x-api-key": signet.apiKey, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(target.tls ? { tls: target.tls } : {}),
    }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));
  // Fixture keys are not destroyable, so that a fuzzed DELETE cannot take them away.
  for (const key of [
    { label: "fz-ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7", attributes: { destroyable: false } },
    { label: "fz-ed", algorithm: "ED", attributes: { destroyable: false } },
  ]) {
    expect((await call("POST", "/v1/key", key)).status).toBe(200);
  }
  const client = await call("POST", "/v1/admin/clients", { name: "fz-client", roles: ["keyOperation"], allowedKeys: ["fz-ec"], rateLimit: { perSecond: 1000, burst: 1000 } });
  const credential = await call("POST", `/v1/admin/clients/${client.body.id}/credentials`, { kind: "apiKey" });
  return { ...target, restrictedKey: credential.body.secret, restrictedId: client.body.id };
}

beforeAll(async () => {
  const plain = await startSignet({});
  targets.push(await prepare({ name: "Bun.serve", signet: plain }));
  const docs = await (await fetch(`${plain.url}/docs/json`, { headers: { "x-api-key": plain.apiKey } })).json();
  routes = Object.entries(docs.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
  );
  const ca = await makeCa("Fuzz CA");
  const server = await makeCert({ subject: "localhost", issuer: ca, eku: [EKU.serverAuth], dns: ["localhost"], ips: ["127.0.0.1"] });
  writeFileSync(join(dir, "s.pem"), server.certPem);
  writeFileSync(join(dir, "s.key"), server.keyPem);
  const pfx = join(dir, "s.p12");
  expect(Bun.spawnSync(["openssl", "pkcs12", "-export", "-in", join(dir, "s.pem"), "-inkey", join(dir, "s.key"), "-out", pfx, "-passout", "pass:fuzz-pass"]).exitCode).toBe(0);
  const node = await startSignet({ env: { SIGNET_TLS_PFX: pfx, SIGNET_TLS_PASSPHRASE: "fuzz-pass" }, fetchTls: { ca: ca.certPem } });
  targets.push(await prepare({ name: "node:tls", signet: node, tls: { ca: ca.certPem } }));
}, 60_000);

afterAll(async () => {
  for (const { signet } of targets) {
    await signet.stop();
    removeDir(signet.dataDir);
  }
  removeDir(dir);
});

// --- arbitraries ---------------------------------------------------------------------------

const junkSegment = fc.oneof(
  fc.constantFrom("fz-ec", "fz-ed", "signet-auth-token", "nope", "..", ".", "%2e%2e", "%00", "%", "%zz", "%E0%A4%A", "%C0%AF", "%F0%9F%98%80", "a%2Fb", "\u00e9", "[]", "{}", "*"),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: "grapheme", maxLength: 10 }).map(encodeURIComponent),
  fc.constant("x".repeat(600)),
);

function pathArbitrary(target: Target) {
  const route = fc.constantFrom(...routes);
  const fill = (template: string) =>
    fc
      .tuple(...[...template.matchAll(/\{(\w+)\}/g)].map((m) => (m[1] === "id" ? fc.oneof(fc.constant(target.restrictedId), junkSegment) : junkSegment)))
      .map((values) => {
        let i = 0;
        return template.replace(/\{\w+\}/g, () => values[i++] as string);
      });
  return fc.tuple(route, fc.constantFrom("", "/", "?a=%zz&b=%00", "?" + "q=1&".repeat(50), "//", "/../v1/key", "#frag", ";x=1")).chain(([r, suffix]) =>
    fc.tuple(fc.constant(r), fill(r.path).map((p) => p + suffix)),
  );
}

function validBody(path: string): unknown {
  if (path.includes("synchronousSign")) return { signRequest: { payload: "aGVsbG8=", signKeyName: "fz-ec", signatureAlgorithm: "SHA256_WITH_ECDSA" } };
  if (path.endsWith("/verify")) return { verifySignatureRequest: { signKeyName: "fz-ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: "aGVsbG8=", signature: "AAAA" } };
  if (path.includes("/token/jwt")) return { signKeyName: "fz-ec", algorithm: "ES256", claims: { sub: "x" } };
  if (path.endsWith("/credentials")) return { kind: "ticket", validForSeconds: 60 };
  if (path.includes("/admin/clients")) return { name: "fz", roles: ["service"] };
  if (path.endsWith("/v1/key")) return { label: "fz-new", algorithm: "ED" };
  return {};
}

/** Replaces one leaf (or adds a key) of a valid body with anything. */
function mutated(body: unknown) {
  return fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.string({ maxLength: 12 })).map(([value, at, key]) => {
    const copy = JSON.parse(JSON.stringify(body ?? {}));
    const holders: Record<string, unknown>[] = [];
    const walk = (node: unknown) => {
      if (node && typeof node === "object") {
        holders.push(node as Record<string, unknown>);
        for (const child of Object.values(node)) walk(child);
      }
    };
    walk(copy);
    const holder = holders[at % holders.length] ?? copy;
    const keys = Object.keys(holder);
    holder[keys.length > 0 && at % 3 !== 0 ? keys[at % keys.length]! : key] = value;
    return JSON.stringify(copy);
  });
}

function bodyArbitrary(path: string): fc.Arbitrary<string | Uint8Array | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.constant(JSON.stringify(validBody(path))),
    mutated(validBody(path)),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom(
      "",
      "null",
      "{",
      '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
      '{"a":1e999,"b":-0,"c":123456789012345678901234567890}',
      '{"a":1,"a":2}',
      '"\\ud800"',
      "\ufeff{}",
      "[".repeat(5000) + "]".repeat(5000),
      `{"signRequest":{"payload":"${"A".repeat(20_000)}","signKeyName":"fz-ec","signatureAlgorithm":"SHA256_WITH_ECDSA"}}`,
    ),
  );
}

function headersArbitrary(target: Target, signet: RunningSignet) {
  const credential = fc.oneof(
    { weight: 5, arbitrary: fc.constant<Record<string, string>>({ "x-api-key": signet.apiKey }) },
    { weight: 2, arbitrary: fc.constant<Record<string, string>>({ "x-api-key": target.restrictedKey }) },
    fc.constant<Record<string, string>>({}),
    fc.string({ maxLength: 80 }).map((s) => ({ "x-api-key": s.replace(/[^\x20-\x7e]/g, "") })),
    fc.string({ maxLength: 200 }).map((s) => ({ authorization: `Bearer ${s.replace(/[^\x20-\x7e]/g, "")}` })),
    fc.constant<Record<string, string>>({ authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." }),
    fc.string({ maxLength: 80 }).map((s) => ({ "x-auth-ticket": s.replace(/[^\x20-\x7e]/g, "") })),
  );
  const contentType = fc.constantFrom(undefined, "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "*/*");
  const extra = fc.dictionary(
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
    fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, "").trim()),
    { maxKeys: 5 },
  );
  return fc.tuple(credential, contentType, extra, fc.constantFrom(undefined, "https://evil.example", "null")).map(([cred, type, more, origin]) => ({
    ...more,
    ...cred,
    ...(type ? { "content-type": type } : {}),
    ...(origin ? { origin } : {}),
  }));
}

async function checkAnswer(response: Response, method: string) {
  const text = method === "HEAD" ? "" : await response.text();
  const status = response.status;
  const context = `${status} ${text.slice(0, 300)}`;
  let errorCode: number | undefined;
  if (status >= 400 && method !== "HEAD") {
    const body = JSON.parse(text);
    expect(body, context).toEqual({ errorCode: expect.any(Number), reason: expect.stringMatching(/^res\.error\./), message: expect.any(String) });
    errorCode = body.errorCode;
  }
  if (status >= 500) expect(DOCUMENTED_5XX[status] ?? [], context).toContain(errorCode!);
  expect(response.headers.get("x-content-type-options"), context).toBe("nosniff");
  expect(text, context).not.toMatch(STACK_TRACE);
  return status;
}

// --- properties ----------------------------------------------------------------------------

describe.each([0, 1])("every route, random requests (listener %d)", (index) => {
  test(
    "no 5xx, error bodies and security headers, no state change on refusal",
    async () => {
      const target = targets[index]!;
      const { signet } = target;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          pathArbitrary(target).chain(([route, path]) =>
            fc.record({
              method: fc.oneof({ weight: 4, arbitrary: fc.constant(route.method) }, fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")),
              path: fc.constant(path),
              body: bodyArbitrary(route.path),
              headers: headersArbitrary(target, signet),
            }),
          ),
          async ({ method, path, body, headers }) => {
            const before = stateDigest(signet);
            const response = await fetch(`${signet.url}${path}`, {
              method,
              headers,
              body: method === "GET" || method === "HEAD" ? undefined : (body as unknown as BodyInit | undefined),
              redirect: "manual",
              ...(target.tls ? { tls: target.tls } : {}),
            });
            const status = await checkAnswer(response, method);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            if (status >= 400) expect(stateDigest(signet), `${method} ${path} → ${status} changed the state`).toBe(before);
            expect(signet.process.exitCode).toBeNull();
          },
        ),
        { seed: SEED + index, numRuns: RUNS, endOnFailure: true },
      );
      // The run reached beyond authentication and validation, not just 401s and 400s: some
      // requests succeeded and some were refused past both (not found, forbidden, conflict...).
      // Which of those a fixed seed meets moves whenever a route is added, so none is named.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
      expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
      expect([...statuses.keys()].filter((s) => s > 401).length).toBeGreaterThan(0);
    },
    SOAK_TIMEOUT,
  );
});

describe.each([0, 1])("malformed raw HTTP (listener %d)", (index) => {
  const line = fc.oneof(
    fc.constantFrom(
      "GET / HTTP/1.1",
      "GET /v1/key HTTP/9.9",
      "GARBAGE",
      "GET http://evil.example/v1/key HTTP/1.1",
      "GET * HTTP/1.1",
      "POST /v1/synchronousSign HTTP/1.1",
      "GET /v1/key/%ZZ/attributes HTTP/1.1",
      "GET /\u0000 HTTP/1.1",
      "GET " + "/a".repeat(5000) + " HTTP/1.1",
    ),
    fc.string({ maxLength: 100 }),
  );
  const header = fc.oneof(
    fc.constantFrom("Host: localhost", "Content-Length: 5", "Content-Length: -1", "Content-Length: 1, 2", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked", "X-API-KEY:", ": no-name", "Bad Header: x", "Host:", "Expect: 100-continue"),
    fc.string({ maxLength: 100 }).map((s) => `X-Fuzz: ${s}`),
    fc.string({ maxLength: 60 }),
  );
  test(
    "the server answers or closes, never crashes, never leaks a trace",
    async () => {
      const target = targets[index]!;
      const { signet } = target;
      const { hostname, port } = new URL(signet.url);
      const before = stateDigest(signet);
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(line, fc.array(header, { maxLength: 6 }), fc.constantFrom("\r\n", "\n", "\r"), fc.string({ maxLength: 50 }), async (first, headers, eol, tail) => {
          const bytes = `${first}${eol}${headers.join(eol)}${eol}${eol}${tail}`;
          const text = await new Promise<string>((resolve) => {
            let out = "";
            const socket = target.tls ? tlsConnect({ host: hostname, port: Number(port), ca: target.tls.ca, servername: "localhost" }) : connect(Number(port), hostname);
            const timer = setTimeout(() => socket.destroy(), 3000);
            socket.on(target.tls ? "secureConnect" : "connect", () => socket.end(bytes));
            socket.on("data", (data) => (out += data.toString("latin1")));
            socket.on("close", () => {
              clearTimeout(timer);
              resolve(out);
            });
            socket.on("error", () => {});
          });
          // An interim 100 Continue may come first; the final answer is what counts.
          const final = text.replace(/^(HTTP\/1\.1 100 Continue\r\n\r\n)+/, "");
          const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(final)?.[1] ?? 0);
          seen.set(status, (seen.get(status) ?? 0) + 1);
          const fromApp = final.includes('"errorCode":') || /^HTTP\/1\.[01] 2/.test(final);
          if (status && !fromApp) {
            expect(PARSER_REFUSALS, final).toContain(status);
            expect(final.toLowerCase(), final).toContain("connection: close");
          }
          if (fromApp && status >= 500) expect(DOCUMENTED_5XX[status] ?? [], text).toContain(Number(/"errorCode":(\d+)/.exec(text)?.[1]));
          expect(text).not.toMatch(STACK_TRACE);
          expect(signet.process.exitCode).toBeNull();
        }),
        { seed: SEED + 10 + index, numRuns: Math.ceil(RUNS / 2), endOnFailure: true },
      );
      expect(stateDigest(signet)).toBe(before);
      expect(seen.size).toBeGreaterThan(1);
    },
    SOAK_TIMEOUT,
  );
});

test("afterwards: every server is healthy and the token holds exactly the keys the database knows", async () => {
  for (const target of targets) {
    const { signet } = target;
    const options = target.tls ? { tls: target.tls } : {};
    const health = await fetch(`${signet.url}/health`, options);
    expect(health.status).toBe(200);
    const listed = (await (await fetch(`${signet.url}/v1/key`, { headers: { "x-api-key": signet.apiKey }, ...options })).json()) as string[];
    const db = new Database(join(signet.dataDir, "signet.db"), { readonly: true });
    const stored = (db.query("SELECT label FROM keys ORDER BY label").all() as { label: string }[]).map((r) => r.label).filter((l) => l !== "signet-auth-token");
    db.close();
    expect(listed.sort()).toEqual(stored.sort());
  }
});

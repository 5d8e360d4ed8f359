/**
 * What every request passes before a route: allowed hosts, CORS, module switches, header
 * and body limits, slow clients; and what every answer carries: security headers, the TSB
 * error body, never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { removeDir, startSignet, type RunningSignet } from "../support/server";

const started: RunningSignet[] = [];

async function signetWith(env: Record<string, string>): Promise<RunningSignet> {
  const signet = await startSignet({ env });
  started.push(signet);
  return signet;
}

afterAll(async () => {
  for (const signet of started) {
    await signet.stop();
    removeDir(signet.dataDir);
  }
});

/** Sends raw bytes over TCP (the Host header, a slow body) and collects the answer. */
function raw(url: string, chunks: { data: string | Uint8Array; delayMs?: number }[], timeoutMs = 15_000): Promise<{ text: string; ms: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = "";
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (data) => (text += data.toString("latin1")));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, ms: Date.now() - started });
    });
    socket.on("error", () => {});
    socket.on("connect", async () => {
      for (const chunk of chunks) {
        if (chunk.delayMs) await Bun.sleep(chunk.delayMs);
        if (!socket.destroyed) socket.write(chunk.data);
      }
    });
  });
}

function bodyOf(text: string): any {
  const at = text.indexOf("\r\n\r\n");
  return JSON.parse(text.slice(at + 4));
}

describe("allowed hosts", () => {
  let signet: RunningSignet;
  beforeAll(async () => {
    signet = await signetWith({ SIGNET_ALLOWED_HOSTS: "signet.example.test;*.hsm.example.test;127.0.0.1" });
  });

  test("a Host outside the list gets 400 / 682; listed names and subdomains pass", async () => {
    const request = (host: string) => `GET /v1/versionInfo HTTP/1.1\r\nHost: ${host}\r\nX-API-KEY: ${signet.apiKey}\r\nConnection: close\r\n\r\n`;
    const evil = await raw(signet.url, [{ data: request("evil.example.com") }]);
    expect(evil.text).toStartWith("HTTP/1.1 400");
    expect(bodyOf(evil.text)).toMatchObject({ errorCode: 682, reason: "res.error.host.not.allowed" });
    expect(evil.text.toLowerCase()).toContain("x-content-type-options: nosniff");
    for (const host of ["signet.example.test", "SIGNET.example.test:8443", "a.hsm.example.test"]) {
      expect((await raw(signet.url, [{ data: request(host) }])).text).toStartWith("HTTP/1.1 200");
    }
    expect((await raw(signet.url, [{ data: request("hsm.example.test") }])).text).toStartWith("HTTP/1.1 400");
    const missing = await raw(signet.url, [{ data: `GET /health HTTP/1.0\r\n\r\n` }]);
    expect(missing.text).toMatch(/^HTTP\/1\.[01] 400/);
  });

  test("without a list, any host is answered", async () => {
    const open = started.find((s) => s !== signet) ?? (await signetWith({}));
    const answer = await raw(open.url, [{ data: `GET /health HTTP/1.1\r\nHost: anything.example\r\nConnection: close\r\n\r\n` }]);
    expect(answer.text).toStartWith("HTTP/1.1 200");
  });
});

describe("CORS", () => {
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/v1/synchronousSign`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "x-api-key" } });

  test("off by default: no CORS headers, and a preflight finds nothing", async () => {
    const signet = await signetWith({});
    const answer = await preflight(signet.url, "https://app.example.test");
    expect(answer.status).toBe(404);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    const get = await signet.request("GET", "/v1/versionInfo", undefined, { origin: "https://app.example.test" });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("when configured: allowed origins get a preflight answer and the headers; others get nothing", async () => {
    const signet = await signetWith({ SIGNET_CORS_ORIGINS: "https://app.example.test" });
    const allowed = await preflight(signet.url, "https://app.example.test");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.test");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("x-api-key");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    const other = await preflight(signet.url, "https://evil.example.test");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const get = await signet.request("GET", "/v1/versionInfo", undefined, { origin: "https://app.example.test" });
    expect(get.headers.get("access-control-allow-origin")).toBe("https://app.example.test");
    const error = await signet.request("GET", "/v1/versionInfo", undefined, { origin: "https://app.example.test", "x-api-key": "wrong" });
    expect(error.status).toBe(401);
    expect(error.headers.get("access-control-allow-origin")).toBe("https://app.example.test");
  });
});

describe("module switches", () => {
  test("a disabled module answers 404 / 622 for every credential; the others still work", async () => {
    const signet = await signetWith({ SIGNET_DISABLED_MODULES: "keyOperations,token,admin,docs" });
    for (const [method, path] of [
      ["POST", "/v1/synchronousSign"],
      ["POST", "/v1/verify"],
      ["POST", "/v1/token/jwt"],
      ["GET", "/.well-known/jwks.json"],
      ["GET", "/v1/admin/clients"],
      ["GET", "/docs/json"],
    ] as const) {
      const answer = await signet.json(method, path, method === "POST" ? {} : undefined);
      expect({ path, status: answer.status, errorCode: answer.body?.errorCode }).toEqual({ path, status: 404, errorCode: 622 });
    }
    expect((await signet.json("GET", "/v1/key")).status).toBe(200);
    expect((await signet.json("GET", "/v1/versionInfo")).status).toBe(200);
    expect((await signet.json("POST", "/v1/auth/token")).status).toBe(200);
  });

  test("an unknown module name stops start-up", async () => {
    const { startExpectingFailure, tempDir } = await import("../support/server");
    const data = tempDir("modules");
    const { code, output } = await startExpectingFailure({ SIGNET_DATA_DIR: data, SIGNET_DISABLED_MODULES: "keyOperations,wizardry" });
    removeDir(data);
    expect(code).toBe(2);
    expect(output).toContain("SIGNET_DISABLED_MODULES");
  });
});

describe("request limits", () => {
  let signet: RunningSignet;
  beforeAll(async () => {
    signet = await signetWith({ SIGNET_MAX_HEADER_BYTES: "2048", SIGNET_MAX_JSON_DEPTH: "8", SIGNET_MAX_BATCH_ITEMS: "10", SIGNET_BODY_TIMEOUT_MS: "1500", SIGNET_IDLE_TIMEOUT_SECONDS: "5" });
  });

  test("headers over the limit: 431 / 684", async () => {
    const answer = await signet.json("GET", "/v1/versionInfo", undefined, { "x-padding": "a".repeat(3000) });
    expect({ status: answer.status, errorCode: answer.body.errorCode }).toEqual({ status: 431, errorCode: 684 });
  });

  test("JSON nested deeper than the limit: 400 / 685, before parsing", async () => {
    const deep = `{"signRequest":${"[".repeat(20)}${"]".repeat(20)}}`;
    const answer = await signet.json("POST", "/v1/synchronousSign", deep);
    expect({ status: answer.status, errorCode: answer.body.errorCode }).toEqual({ status: 400, errorCode: 685 });
    const huge = await signet.json("POST", "/v1/synchronousSign", "[".repeat(200_000) + "]".repeat(200_000));
    expect(huge.body.errorCode).toBe(685);
    // Brackets inside strings do not count.
    const inString = await signet.json("POST", "/v1/synchronousSign", { signRequest: { payload: "aGk=", signKeyName: "[".repeat(50), signatureAlgorithm: "SHA256_WITH_ECDSA" } });
    expect(inString.body.errorCode).toBe(650);
  });

  test("a list longer than the batch limit: 413 / 687, wherever it is", async () => {
    const long = await signet.json("POST", "/v1/admin/clients", { name: "many", roles: ["service"], allowedKeys: Array.from({ length: 11 }, (_, i) => `k${i}`) });
    expect({ status: long.status, errorCode: long.body.errorCode }).toEqual({ status: 413, errorCode: 687 });
    const atLimit = await signet.json("POST", "/v1/admin/clients", { name: "many", roles: ["service"], allowedKeys: Array.from({ length: 10 }, (_, i) => `k${i}`) });
    expect(atLimit.status).toBe(201);
  });

  test("a body that is not UTF-8: 400 / 621", async () => {
    const response = await fetch(`${signet.url}/v1/synchronousSign`, {
      method: "POST",
      headers: { "x-api-key": signet.apiKey, "content-type": "application/json" },
      body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errorCode).toBe(621);
  });

  test("a body sent without a length over the limit: 413 / 680", async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"pad":"${"a".repeat(2 * 1024 * 1024)}"}`));
        controller.close();
      },
    });
    const response = await fetch(`${signet.url}/v1/synchronousSign`, { method: "POST", headers: { "x-api-key": signet.apiKey }, body: stream });
    expect(response.status).toBe(413);
  });

  test("a client trickling its body is cut off: 408 / 683, and the connection closed", async () => {
    const head = `POST /v1/synchronousSign HTTP/1.1\r\nHost: localhost\r\nX-API-KEY: ${signet.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n`;
    const chunks = [{ data: head }, ...Array.from({ length: 20 }, () => ({ data: " ", delayMs: 400 }))];
    const answer = await raw(signet.url, chunks);
    expect(answer.text).toStartWith("HTTP/1.1 408");
    expect(bodyOf(answer.text)).toMatchObject({ errorCode: 683 });
    expect(answer.ms).toBeLessThan(5000);
  });

  test("a client that sends half a request head and stops is disconnected", async () => {
    const answer = await raw(signet.url, [{ data: "GET /health HTTP/1.1\r\nHost: localhost\r\n" }], 30_000);
    expect(answer.ms).toBeLessThan(25_000);
  }, 30_000);
});

describe("every answer", () => {
  let signet: RunningSignet;
  beforeAll(async () => {
    signet = await signetWith({});
    await signet.json("POST", "/v1/key", { label: "hdr", algorithm: "ED" });
  });

  const SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": expect.stringContaining("frame-ancestors 'none'"),
    "cross-origin-resource-policy": "same-origin",
  };

  test.each([
    ["a success", "GET", "/v1/key", undefined, {}],
    ["the health check", "GET", "/health", undefined, {}],
    ["the JWK set", "GET", "/.well-known/jwks.json", undefined, {}],
    ["an unknown route", "GET", "/v1/nothing-here", undefined, {}],
    ["a missing key", "GET", "/v1/key", undefined, { "x-api-key": "" }],
    ["bad JSON", "POST", "/v1/synchronousSign", "{", {}],
    ["a validation error", "POST", "/v1/synchronousSign", { signRequest: 1 }, {}],
    ["a percent-encoding error in the path", "GET", "/v1/key/%E0%A4%A/attributes", undefined, {}],
    ["the docs", "GET", "/docs", undefined, {}],
  ] as const)("%s carries the security headers and no stack trace", async (_name, method, path, body, headers) => {
    const response = await signet.request(method, path, body, headers);
    const text = await response.text();
    const got = Object.fromEntries(Object.keys(SECURITY).map((name) => [name, response.headers.get(name)]));
    expect(got).toEqual(SECURITY);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(response.status).toBeLessThan(500);
    expect(text).not.toMatch(/\bat [\w.<>]+ \(|\/work\/|node_modules|\.ts:\d+/);
    if (response.status >= 400) expect(JSON.parse(text)).toEqual({ errorCode: expect.any(Number), reason: expect.stringMatching(/^res\.error\./), message: expect.any(String) });
  });
});

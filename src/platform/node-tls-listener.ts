/**
 * HTTPS through node:tls and node:http, for mutual TLS and PKCS#12 (see server.ts for why
 * not Bun.serve). node:tls terminates TLS and keeps the peer certificate; each decrypted
 * socket is handed to a node:http server, whose requests are turned into web Requests for
 * the Elysia app, and the answers written back.
 *
 * Slow clients are bounded at every stage: the TLS handshake (handshakeTimeout), the
 * request head (headersTimeout), the whole request (requestTimeout) and idle connections
 * (the socket's timeout). Handshake failures are the client's problem and are dropped
 * silently; the HTTP layer answers a missing or unacceptable certificate with its own error.
 *
 * stop() closes idle connections at once and lets the requests under way finish, each
 * connection closed once its last answer is written, for at most shutdownGraceMs.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import type { AnyElysia } from "elysia";
import { internalError } from "./internal-error";
import type { ListenOptions, PeerInfo, TlsListenOptions } from "./server";
import { waitAtMost } from "./wait";

const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface NodeTlsServer {
  port: number;
  /** As RunningServer.stop (server.ts). */
  stop(cutShort?: Promise<void>): Promise<void>;
}

function peerOfSocket(socket: TLSSocket, verifyChains: boolean): PeerInfo {
  const certificate = socket.getPeerCertificate(false);
  const raw = certificate && "raw" in certificate ? (certificate.raw as Buffer | undefined) : undefined;
  return {
    address: socket.remoteAddress ?? null,
    certificate: raw && raw.length > 0 ? { der: new Uint8Array(raw), chainVerified: verifyChains && socket.authorized === true } : null,
  };
}

/**
 * Reads the body here, within the byte limit and the body deadline (the same limits the app
 * applies; a web stream made from the node stream was several times slower), and builds the
 * web Request for the app.
 */
function readBody(incoming: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer | "tooLarge" | "timeout"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    const finish = (result: Buffer | "tooLarge" | "timeout") => {
      clearTimeout(timer);
      incoming.removeAllListeners("data");
      resolve(result);
    };
    incoming.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) finish("tooLarge");
      else chunks.push(chunk);
    });
    incoming.on("end", () => finish(Buffer.concat(chunks, length)));
    incoming.on("error", () => finish("timeout"));
  });
}

const REFUSED = {
  tooLarge: { status: 413, errorCode: 680, reason: "res.error.payload.too.large", message: "the request body is too large" },
  timeout: { status: 408, errorCode: 683, reason: "res.error.request.timeout", message: "the request body did not arrive in time" },
};

function toRequest(incoming: IncomingMessage, body: Buffer | null): Request {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return new Request(new URL(incoming.url ?? "/", "https://localhost"), { method: incoming.method ?? "GET", headers, body: body as unknown as BodyInit | null });
}

async function answer(app: AnyElysia, request: Request, response: ServerResponse, onError?: (error: unknown) => void): Promise<void> {
  let result: Response;
  try {
    result = await app.handle(request);
  } catch (error) {
    onError?.(error);
    result = internalError();
  }
  const body = Buffer.from(await result.arrayBuffer());
  const headers: Record<string, string> = {};
  result.headers.forEach((value, name) => (headers[name] = value));
  headers["content-length"] = String(body.length);
  response.writeHead(result.status, headers);
  response.end(body);
}

export async function startNodeTlsListener(
  app: AnyElysia,
  options: ListenOptions & { tls: TlsListenOptions },
  peers: WeakMap<Request, PeerInfo>,
): Promise<NodeTlsServer> {
  const tls = options.tls;
  const sockets = new Set<Socket>();
  // Requests being answered, by connection: what stop() waits for.
  const busy = new Map<Socket, number>();
  let closing = false;
  let drained: (() => void) | null = null;
  const socketPeers = new WeakMap<Socket, PeerInfo>();
  const verifyChains = tls.clientCaPem !== null;

  const http = createHttpServer(
    {
      maxHeaderSize: options.maxHeaderBytes * 2,
      headersTimeout: HANDSHAKE_TIMEOUT_MS,
      requestTimeout: Math.max(options.idleTimeoutSeconds * 1000, HANDSHAKE_TIMEOUT_MS),
      keepAliveTimeout: options.idleTimeoutSeconds * 1000,
    },
    (incoming, response) => {
      const socket = incoming.socket as TLSSocket;
      busy.set(socket, (busy.get(socket) ?? 0) + 1);
      response.once("close", () => {
        const left = (busy.get(socket) ?? 1) - 1;
        if (left > 0) busy.set(socket, left);
        else busy.delete(socket);
        if (closing && left === 0) socket.end();
        if (closing && busy.size === 0) drained?.();
      });
      if (closing) response.setHeader("connection", "close");
      let peer = socketPeers.get(socket);
      if (!peer) {
        peer = peerOfSocket(socket, verifyChains);
        socketPeers.set(socket, peer);
      }
      const method = incoming.method ?? "GET";
      const bodyless = method === "GET" || method === "HEAD";
      void (bodyless ? Promise.resolve(null) : readBody(incoming, options.maxRequestBodySize, options.bodyTimeoutMs)).then((body) => {
        if (body === "tooLarge" || body === "timeout") {
          // The rest of the body is still on its way: answer and close the connection.
          const { status, ...error } = REFUSED[body];
          response.writeHead(status, { "content-type": "application/json", "x-content-type-options": "nosniff", "cache-control": "no-store", connection: "close" });
          response.end(JSON.stringify(error));
          return;
        }
        const request = toRequest(incoming, body);
        peers.set(request, peer);
        return answer(app, request, response, options.onError);
      }).catch((error: unknown) => {
        options.onError?.(error);
        response.destroy();
      });
    },
  );

  const secure = createTlsServer(
    {
      ...(tls.pfx ? { pfx: Buffer.from(tls.pfx) } : { cert: tls.certPem!, key: tls.keyPem! }),
      ...(tls.passphrase ? { passphrase: tls.passphrase } : {}),
      ...(tls.clientCaPem ? { ca: tls.clientCaPem } : {}),
      requestCert: tls.requestClientCertificate,
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
      ALPNProtocols: ["http/1.1"],
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    },
    (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.setTimeout(options.idleTimeoutSeconds * 1000, () => socket.destroy());
      http.emit("connection", socket);
    },
  );
  secure.on("tlsClientError", () => {});

  await new Promise<void>((resolve, reject) => {
    secure.once("error", reject);
    secure.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (secure.address() as { port: number }).port,
    stop: async (cutShort) => {
      closing = true;
      const closed = new Promise<void>((resolve) => secure.close(() => resolve()));
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
      const answered = new Promise<void>((resolve) => (busy.size === 0 ? resolve() : (drained = resolve)));
      await waitAtMost(options.shutdownGraceMs, answered, cutShort);
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

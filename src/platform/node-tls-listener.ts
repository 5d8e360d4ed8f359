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
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import type { AnyElysia } from "elysia";
import { internalError } from "./internal-error";
import type { ListenOptions, PeerInfo, TlsListenOptions } from "./server";

const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface NodeTlsServer {
  port: number;
  stop(): Promise<void>;
}

function peerOfSocket(socket: TLSSocket, verifyChains: boolean): PeerInfo {
  const certificate = socket.getPeerCertificate(false);
  const raw = certificate && "raw" in certificate ? (certificate.raw as Buffer | undefined) : undefined;
  return {
    address: socket.remoteAddress ?? null,
    certificate: raw && raw.length > 0 ? { der: new Uint8Array(raw), chainVerified: verifyChains && socket.authorized === true } : null,
  };
}

function toRequest(incoming: IncomingMessage): Request {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const method = incoming.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(incoming.url ?? "/", "https://localhost"), {
    method,
    headers,
    body: hasBody ? (Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>) : undefined,
    // @ts-expect-error -- duplex is required for a streamed body, and missing from the DOM types
    duplex: "half",
  });
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
      let peer = socketPeers.get(socket);
      if (!peer) {
        peer = peerOfSocket(socket, verifyChains);
        socketPeers.set(socket, peer);
      }
      const declared = Number(incoming.headers["content-length"] ?? 0);
      if (declared > options.maxRequestBodySize) {
        response.writeHead(413, { "content-type": "application/json", connection: "close" });
        response.end(JSON.stringify({ errorCode: 680, reason: "res.error.payload.too.large", message: "the request body is too large" }));
        return;
      }
      const request = toRequest(incoming);
      peers.set(request, peer);
      answer(app, request, response, options.onError).catch((error: unknown) => {
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
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => secure.close(() => resolve()));
    },
  };
}

/**
 * Listening for HTTP and HTTPS. The Bun-specific part (Bun.serve and its options) stays here,
 * with the one fact the HTTP layer needs about a request's connection: its peer (address,
 * and for mutual TLS the client certificate).
 *
 * Two listeners:
 * - Bun.serve (Elysia's own listen) for plain HTTP and for TLS with a PEM certificate and
 *   key. It is the fast path.
 * - node:tls in front of node:http (node-tls-listener.ts) for mutual TLS and for PKCS#12.
 *   Bun 1.4.5's Bun.serve can ask for a client certificate (requestCert, ca) but gives the
 *   request handler no way to read it: the Server has requestIP() and nothing about TLS, and
 *   the Request carries nothing either; node:https under Bun gives `authorized` but no
 *   getPeerCertificate(). Without the certificate Signet can check neither thumbprints nor
 *   which client it belongs to. node:tls sockets do give it (getPeerCertificate(true).raw),
 *   and Bun.serve ignores a `pfx` option. (scratch experiments, reproduced by
 *   test/http/mtls.test.ts.)
 */
import type { AnyElysia } from "elysia";
import { internalError } from "./internal-error";
import { waitAtMost } from "./wait";

export interface PeerCertificate {
  der: Uint8Array;
  /** The chain verified against the configured client CA bundle (false without one). */
  chainVerified: boolean;
}

export interface PeerInfo {
  address: string | null;
  certificate: PeerCertificate | null;
}

export interface TlsListenOptions {
  certPem: string | null;
  keyPem: string | null;
  pfx: Uint8Array | null;
  passphrase: string | null;
  /** Ask every client for a certificate; the HTTP layer decides what to accept. */
  requestClientCertificate: boolean;
  /** PEM bundle of CAs for client certificates, or null (then no chain counts as verified). */
  clientCaPem: string | null;
}

export interface ListenOptions {
  host: string;
  port: number;
  /** A backstop for bodies sent without a length; the HTTP layer enforces the real limit. */
  maxRequestBodySize: number;
  idleTimeoutSeconds: number;
  /** stop(): how long the requests under way may take to finish before their connections are closed. */
  shutdownGraceMs: number;
  maxHeaderBytes: number;
  /** node:tls listener: the whole body must arrive within this (Bun.serve: the app checks it). */
  bodyTimeoutMs: number;
  tls: TlsListenOptions | null;
  /** Told about failures outside the app's error handling (they answer 500 / 100). */
  onError?: (error: unknown) => void;
}

export interface RunningServer {
  url: string;
  /**
   * Stops accepting connections, lets the requests under way finish (their answers may report
   * operations already done, a key made or a signature recorded) for at most shutdownGraceMs,
   * then closes whatever is still open; at once when `cutShort` resolves first (the
   * operator's second signal).
   */
  stop(cutShort?: Promise<void>): Promise<void>;
}

export interface Listener {
  /** The connection facts of a request this listener received. */
  peerOf(request: Request): PeerInfo;
  start(app: AnyElysia): Promise<RunningServer>;
}

function urlOf(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function bunListener(options: ListenOptions): Listener {
  let server: NonNullable<AnyElysia["server"]> | null = null;
  return {
    peerOf(request) {
      return { address: server?.requestIP(request)?.address ?? null, certificate: null };
    },
    async start(app) {
      const tls = options.tls;
      app.listen({
        hostname: options.host,
        port: options.port,
        maxRequestBodySize: options.maxRequestBodySize,
        idleTimeout: options.idleTimeoutSeconds,
        // Elysia's defaults are development mode (Bun's error page, with stack traces, for
        // anything thrown outside a handler) and SO_REUSEPORT (another process of the same
        // user could bind the port too and take requests). Neither is acceptable here.
        development: false,
        reusePort: false,
        error: (error: unknown) => {
          options.onError?.(error);
          return internalError();
        },
        ...(tls ? { tls: { cert: tls.certPem!, key: tls.keyPem!, ...(tls.passphrase ? { passphrase: tls.passphrase } : {}) } } : {}),
      });
      server = app.server!;
      const running = server;
      return {
        url: urlOf(tls ? "https" : "http", options.host, running.port!),
        stop: async (cutShort) => {
          // Bun's stop() closes idle keep-alive connections at once and each busy one once its
          // answer is written; stop(true) then cuts what the grace did not see finish.
          await waitAtMost(options.shutdownGraceMs, running.stop(), cutShort);
          await running.stop(true);
        },
      };
    },
  };
}

export function createListener(options: ListenOptions): Listener {
  const tls = options.tls;
  if (tls && (tls.pfx || tls.requestClientCertificate)) {
    const peers = new WeakMap<Request, PeerInfo>();
    return {
      peerOf: (request) => peers.get(request) ?? { address: null, certificate: null },
      async start(app) {
        // Loaded only when used: node:http and node:tls add ~35 ms to every start otherwise.
        const { startNodeTlsListener } = await import("./node-tls-listener");
        const running = await startNodeTlsListener(app, { ...options, tls }, peers);
        return { url: urlOf("https", options.host, running.port), stop: running.stop };
      },
    };
  }
  return bunListener(options);
}

/**
 * Listening for HTTP: Elysia on Bun.serve. The Bun-specific part (the server object and its
 * options) stays here.
 */
import type { AnyElysia } from "elysia";

export interface ListenOptions {
  host: string;
  port: number;
  maxRequestBodySize: number;
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

export function listen(app: AnyElysia, options: ListenOptions): RunningServer {
  app.listen({ hostname: options.host, port: options.port, maxRequestBodySize: options.maxRequestBodySize });
  const server = app.server!;
  return {
    url: `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${server.port}`,
    stop: async () => {
      await server.stop(true);
    },
  };
}

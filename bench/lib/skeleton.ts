/** Starts bench/lib/skeleton-server.ts (the parts of a signed answer, no Signet code) for the latency and durable-record stages. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { listeningUrl } from "./server";

export interface Skeleton {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startSkeleton(dataDir: string): Promise<Skeleton> {
  const dir = join(dataDir, "skeleton");
  mkdirSync(dir, { recursive: true });
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "skeleton-server.ts"), dir], { stdout: "pipe", stderr: "inherit" });
  const { url } = await listeningUrl(proc.stdout, /listening (\S+)/, "the skeleton server");
  return {
    url,
    pid: proc.pid,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

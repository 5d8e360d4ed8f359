/** Starts bench/lib/skeleton-server.ts (the parts of a signed answer, no Signet code) for the durable-record, saturation and latency stages. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { listeningUrl } from "./server";

export interface Skeleton {
  url: string;
  /** The Workers of its hop, started before its writer thread. */
  workers: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startSkeleton(dataDir: string, workers: number): Promise<Skeleton> {
  const dir = join(dataDir, "skeleton");
  mkdirSync(dir, { recursive: true });
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "skeleton-server.ts"), dir, String(workers)], { stdout: "pipe", stderr: "inherit" });
  const { url } = await listeningUrl(proc.stdout, /listening (\S+)/, "the skeleton server");
  return {
    url,
    workers,
    pid: proc.pid,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

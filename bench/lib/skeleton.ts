/** Starts bench/lib/skeleton-server.ts (the parts of a signed answer, no Signet code) for the durable-record, saturation and latency stages. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { tokenEnv } from "./native";
import { listeningUrl } from "./server";

export interface Skeleton {
  url: string;
  /** The Workers of its hop, started before its writer thread. */
  workers: number;
  pid: number;
  stop(): Promise<void>;
}

/** The token the skeleton's Workers sign on: the bench's own, with its softhsm2.conf when it is the embedded one. */
export interface SkeletonToken {
  modulePath: string;
  tokenLabel: string;
  pin: string;
  softhsmConf: string | null;
}

export async function startSkeleton(dataDir: string, workers: number, token: SkeletonToken): Promise<Skeleton> {
  const dir = join(dataDir, "skeleton");
  mkdirSync(dir, { recursive: true });
  const { modulePath, tokenLabel, pin, softhsmConf } = token;
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "skeleton-server.ts"), dir, String(workers)], {
    env: tokenEnv(softhsmConf, { SKELETON_TOKEN: JSON.stringify({ modulePath, tokenLabel, pin }) }),
    stdout: "pipe",
    stderr: "inherit",
  });
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

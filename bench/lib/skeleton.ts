/** Starts bench/lib/skeleton-server.ts (the parts of a signed answer, no Signet code) for the latency stage. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export interface Skeleton {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startSkeleton(dataDir: string): Promise<Skeleton> {
  const dir = join(dataDir, "skeleton");
  mkdirSync(dir, { recursive: true });
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "skeleton-server.ts"), dir], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  let url = "";
  while (!url) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the skeleton server exited before listening:\n${seen}`);
    seen += decoder.decode(value, { stream: true });
    url = /listening (\S+)/.exec(seen)?.[1] ?? "";
  }
  return {
    url,
    pid: proc.pid,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

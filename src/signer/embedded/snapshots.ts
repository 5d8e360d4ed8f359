/**
 * Crash safety for the embedded SoftHSM token.
 *
 * SoftHSM's file store rewrites object files in place. A process killed in the middle of
 * such a write leaves a truncated file, and a truncated token.object makes the whole token
 * unreadable (CKR_TOKEN_NOT_RECOGNIZED): every key is lost. Signet therefore keeps a
 * snapshot of the token directory, taken after every change it makes to the token and before
 * the change is reported as done, and restores that snapshot at start-up before the module
 * is loaded wherever the live files differ from it.
 *
 * What a restore gives back is exactly the last acknowledged state: a change that was under
 * way when the process died was never reported as done, so undoing it is correct.
 *
 * token.object is the exception to "taken after every change": SoftHSM rewrites it at every
 * login (it keeps counters in it), so it is captured once, right after the token was
 * initialised, and that copy is what a restore puts back. Signet never changes the PINs, so
 * that copy stays valid.
 *
 * Layout under `root`: one directory per snapshot generation, and CURRENT naming the live
 * one with a manifest of its files and their SHA-256. A new generation hard-links unchanged
 * files from the previous one, so a snapshot costs the changed files only. CURRENT is
 * replaced atomically (write, fsync, rename), so a crash while snapshotting leaves the
 * previous snapshot in force.
 */
import { createHash } from "node:crypto";
import {
  closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync,
  renameSync, rmSync, statSync, unlinkSync, writeSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";

interface Manifest {
  generation: number;
  files: Record<string, string>;
}

const TOKEN_OBJECT = "token.object";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a file so that after a crash it is either absent or complete. */
export function writeFileDurably(path: string, contents: Uint8Array | string, mode = 0o600): void {
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, "w", mode);
  try {
    writeSync(fd, typeof contents === "string" ? Buffer.from(contents) : contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  fsyncPath(dirname(path));
}

/** Every file of the token directory that SoftHSM keeps state in (lock files carry none). */
function liveFiles(tokensDir: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !entry.name.endsWith(".lock") && !entry.name.includes(".tmp-")) files.push(relative(tokensDir, path));
    }
  };
  if (existsSync(tokensDir)) walk(tokensDir);
  return files.sort();
}

export interface RestoreReport {
  restored: string[];
  removed: string[];
}

export class TokenSnapshots {
  constructor(private readonly tokensDir: string, private readonly root: string) {}

  private get currentPath(): string {
    return join(this.root, "CURRENT");
  }

  private readManifest(): Manifest | null {
    if (!existsSync(this.currentPath)) return null;
    return JSON.parse(readFileSync(this.currentPath, "utf8")) as Manifest;
  }

  private generationDir(generation: number): string {
    return join(this.root, String(generation));
  }

  /** Records the token's current files as the last known good state. */
  take(): void {
    const previous = this.readManifest();
    const generation = (previous?.generation ?? 0) + 1;
    const target = this.generationDir(generation);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true, mode: 0o700 });
    const files: Record<string, string> = {};
    const directories = new Set<string>([target]);
    for (const file of liveFiles(this.tokensDir)) {
      const destination = join(target, file);
      mkdirSync(dirname(destination), { recursive: true, mode: 0o700 });
      directories.add(dirname(destination));
      const keepOld = previous && file.endsWith(TOKEN_OBJECT) && previous.files[file];
      if (keepOld) {
        linkSync(join(this.generationDir(previous.generation), file), destination);
        files[file] = previous.files[file]!;
        continue;
      }
      const contents = readFileSync(join(this.tokensDir, file));
      files[file] = sha256(contents);
      if (previous?.files[file] === files[file]) {
        linkSync(join(this.generationDir(previous.generation), file), destination);
      } else {
        const fd = openSync(destination, "w", 0o600);
        try {
          writeSync(fd, contents);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    }
    for (const dir of directories) fsyncPath(dir);
    writeFileDurably(this.currentPath, JSON.stringify({ generation, files } satisfies Manifest));
    if (previous) rmSync(this.generationDir(previous.generation), { recursive: true, force: true });
  }

  /**
   * Puts the token directory back to the last snapshot wherever it differs. Must run before
   * the PKCS#11 module is loaded. Returns what it changed (empty when nothing differed).
   */
  restoreIfDiverged(): RestoreReport {
    const manifest = this.readManifest();
    const report: RestoreReport = { restored: [], removed: [] };
    if (!manifest) return report;
    const source = this.generationDir(manifest.generation);
    for (const [file, digest] of Object.entries(manifest.files)) {
      const live = join(this.tokensDir, file);
      if (existsSync(live) && statSync(live).isFile() && sha256(readFileSync(live)) === digest) continue;
      // token.object differs after every login; only a changed content that is not a valid
      // later version matters, and there is no way to tell, so it is always put back.
      mkdirSync(dirname(live), { recursive: true, mode: 0o700 });
      writeFileDurably(live, readFileSync(join(source, file)));
      if (!file.endsWith(TOKEN_OBJECT)) report.restored.push(file);
    }
    for (const file of liveFiles(this.tokensDir)) {
      if (manifest.files[file] !== undefined) continue;
      // A file the last acknowledged state does not have: an object whose creation was cut
      // off, possibly half-written.
      unlinkSync(join(this.tokensDir, file));
      report.removed.push(file);
    }
    return report;
  }
}

/**
 * A flag shared between threads: one Int32 in a SharedArrayBuffer, set by one thread and read
 * (or waited on) by another without a message. The pool stops its Workers with one (they read
 * it before each token call, where a message would wait behind the call), and the fault drills
 * stall a thread with one, as a call that does not return would.
 */
export class SharedFlag {
  private readonly cell: Int32Array<ArrayBufferLike>;

  /** A new flag, down; or the view of one another thread made (its `buffer`, as posted). */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.cell = new Int32Array(buffer);
  }

  /** What to post to the other thread. */
  get buffer(): SharedArrayBuffer {
    return this.cell.buffer as SharedArrayBuffer;
  }

  isSet(): boolean {
    return Atomics.load(this.cell, 0) !== 0;
  }

  /** Raises or lowers the flag and wakes whoever waits on it. */
  set(up: boolean): void {
    Atomics.store(this.cell, 0, up ? 1 : 0);
    Atomics.notify(this.cell, 0);
  }

  /** Blocks this thread while the flag is up, or until `alsoEnd()` answers true (checked at each wake). */
  waitWhileSet(alsoEnd: () => boolean = () => false): void {
    while (!alsoEnd() && Atomics.load(this.cell, 0) !== 0) Atomics.wait(this.cell, 0, 1);
  }

  /** Blocks this thread until the flag is raised, for at most `ms`. */
  waitUntilSet(ms: number): void {
    Atomics.wait(this.cell, 0, 0, ms);
  }
}

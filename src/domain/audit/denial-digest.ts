/**
 * Repeated denials folded into one record: a guard for the audit log and the service log
 * against a flood of refused requests.
 *
 * Anyone who can reach the port can be refused (no key, a wrong key), and a client can keep
 * running into its rate limit; each refusal was a record of ~450 bytes with its tree nodes
 * and a log line, so one attacker at 10,000 refusals a second could grow the tamper-evident
 * log by ~16 GB an hour. Here the first denial of a kind is recorded at once, with its
 * request id, as before; the same denial again within the window is only counted, and when
 * the window has passed one more record, naming the last of them, says how many came and
 * when the first and last did. Every denial is still accounted for; what a flood costs the
 * log is bounded by the distinct denials in a window, not by the requests.
 *
 * "The same denial": for a client that was identified, the same kind, client, credential,
 * target, message and source; for a request that named no valid credential, the same kind and
 * source only, because what else it carries is the sender's to choose (a Host header is the
 * target of hostNotAllowed). The source is the address, or for IPv6 its /64, which one sender
 * usually holds whole.
 */
import type { AccessDenial } from "../access/events";
import { parseAddress } from "../access/cidr";

export interface Repeats {
  /** The last of the folded denials (its request id is the summary record's). */
  last: AccessDenial;
  count: number;
  /** When the first and last folded denial came, ms since the epoch. */
  firstAt: number;
  lastAt: number;
}

interface Window {
  opensAt: number;
  repeats: Repeats | null;
}

/** Most distinct denials tracked at once; past it every summary is written and tracking starts over. */
const MAX_TRACKED = 10_000;

export class DenialDigest {
  private readonly windows = new Map<string, Window>();

  /**
   * @param windowMs how long the same denial is only counted after its record; 0 records each
   * @param summarise called with the denials folded in a window that has ended
   */
  constructor(
    private readonly windowMs: number,
    private readonly summarise: (repeats: Repeats) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this denial is to be recorded now (true) or was counted into its window (false). */
  admit(denial: AccessDenial): boolean {
    if (this.windowMs <= 0) return true;
    const key = keyOf(denial);
    const at = this.now();
    const open = this.windows.get(key);
    if (open && at - open.opensAt < this.windowMs) {
      if (open.repeats) {
        open.repeats.count++;
        open.repeats.last = denial;
        open.repeats.lastAt = at;
      } else {
        open.repeats = { last: denial, count: 1, firstAt: at, lastAt: at };
      }
      return false;
    }
    if (open?.repeats) this.summarise(open.repeats);
    if (!open && this.windows.size >= MAX_TRACKED) this.flush();
    this.windows.set(key, { opensAt: at, repeats: null });
    return true;
  }

  /** Writes the summaries of the windows that have ended and forgets them (run on a timer). */
  flushEnded(): void {
    const at = this.now();
    for (const [key, window] of this.windows) {
      if (at - window.opensAt < this.windowMs) continue;
      this.windows.delete(key);
      if (window.repeats) this.summarise(window.repeats);
    }
  }

  /** Writes every summary now, ended or not (at shutdown, or when too many are tracked). */
  flush(): void {
    const windows = [...this.windows.values()];
    this.windows.clear();
    for (const window of windows) if (window.repeats) this.summarise(window.repeats);
  }
}

function keyOf(denial: AccessDenial): string {
  const source = sourceOf(denial.clientAddress);
  if (denial.actor === null) return JSON.stringify([denial.kind, source]);
  return JSON.stringify([denial.kind, source, denial.actor, denial.credentialId, denial.target ?? null, denial.message]);
}

/** The address, or the /64 of an IPv6 address (IPv4 is held IPv4-mapped: all 16 bytes count). */
function sourceOf(address: string | null): string | null {
  if (address === null) return null;
  const bytes = parseAddress(address);
  if (!bytes) return address;
  const mapped = bytes.subarray(0, 12).every((byte, i) => byte === (i < 10 ? 0 : 0xff));
  return Buffer.from(mapped ? bytes : bytes.subarray(0, 8)).toString("hex");
}

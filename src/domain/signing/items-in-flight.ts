/**
 * A bound on the batch items being signed at once. Every item in flight is an object on the
 * main thread and an operation in a Worker message until its batch is answered (and was an
 * audit record too, before a batch got one record per key and algorithm); 64 connections
 * sending 64 items each held 4,096 of them and took the server's peak RSS from ~165 MB
 * (single signatures) to ~230 MB. Batches beyond the bound wait their
 * turn in arrival order, before any of their items is queued; a batch larger than the bound
 * is admitted alone. The waiting line is bounded too: past it, a batch is refused as the
 * pool refuses a full queue (503, 711, Retry-After), and changes nothing.
 */
import { SignetError } from "../../errors";

interface Waiter {
  items: number;
  admit: () => void;
}

export class ItemsInFlight {
  private inFlight = 0;
  private waitingItems = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly maxInFlight: number,
    private readonly maxWaiting: number,
  ) {}

  /** Resolves when `items` more may be signed; throws queueFull when too many already wait. */
  enter(items: number): Promise<void> | void {
    if (this.waiting.length === 0 && this.fits(items)) {
      this.inFlight += items;
      return;
    }
    if (this.waitingItems + items > this.maxWaiting) {
      throw new SignetError("queueFull", `${this.waitingItems} batch items are waiting to be signed; try again`);
    }
    this.waitingItems += items;
    return new Promise<void>((admit) => this.waiting.push({ items, admit }));
  }

  leave(items: number): void {
    this.inFlight -= items;
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.items)) {
      const next = this.waiting.shift()!;
      this.waitingItems -= next.items;
      this.inFlight += next.items;
      next.admit();
    }
  }

  private fits(items: number): boolean {
    return this.inFlight === 0 || this.inFlight + items <= this.maxInFlight;
  }
}

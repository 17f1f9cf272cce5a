// Rate limit (requests per second) and concurrency for calls to one endpoint. Every attempt, retries
// included, takes a slot: the endpoint's owner counts what arrives, not what we meant to send.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export class Throttle {
  private nextStart = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly requestsPerSecond: number,
    readonly concurrency: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(requestsPerSecond > 0)) throw new Error("requestsPerSecond must be greater than 0");
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("concurrency must be a whole number of at least 1");
  }

  /** Runs `fn` when a concurrency slot is free and the rate allows another start. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing call hands its slot straight to the next waiter, so a newcomer cannot overtake it.
    if (this.running < this.concurrency) this.running++;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      // Reserve the start time before sleeping so concurrent callers queue behind each other.
      const now = this.clock.now();
      const start = Math.max(now, this.nextStart);
      this.nextStart = start + 1000 / this.requestsPerSecond;
      if (start - now >= 1) await this.clock.sleep(start - now);
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

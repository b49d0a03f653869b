/**
 * The simulator's webhook sender. Like Xendit it POSTs JSON with `x-callback-token` and counts anything but a
 * 2xx (or no answer) as a failure to retry later; unlike Xendit it can be told to deliver twice, with a wrong
 * token, or not at all (so a test can deliver out of order itself).
 */

export type DeliveryOptions = {
  /** How many times to deliver the same body (Xendit sometimes delivers twice). Default 1; 0 = don't send. */
  times?: number;
  /** Send this token instead of the account's (tests of the receiver's check). */
  token?: string;
};

export type DeliveryRecord = { url: string; body: unknown; attempt: number; status: number | null };

/** Sends a request somewhere: `fetch` by default, or the app's own fetch when mounted in-process. */
export type Deliver = (request: Request) => Promise<Response>;

export class WebhookSender {
  /** Every attempt made, in order, with the status the receiver answered (null: no answer). */
  readonly log: DeliveryRecord[] = [];
  #pending = new Set<Promise<void>>();
  #timers = new Map<ReturnType<typeof setTimeout>, () => void>();
  #closed = false;
  #deliver: Deliver;
  readonly #retryDelaysMs: number[];

  constructor(options: { retryDelaysMs?: number[]; deliver?: Deliver } = {}) {
    // Xendit: up to 6 retries spread over 24 hours; tests pass short delays.
    this.#retryDelaysMs = options.retryDelaysMs ??
      [15_000, 60_000, 300_000, 1_800_000, 7_200_000, 43_200_000];
    this.#deliver = options.deliver ?? ((request) => fetch(request));
  }

  /** Routes deliveries through another function (the app's own fetch when the simulator is mounted in it). */
  useDeliver(deliver: Deliver): void {
    this.#deliver = deliver;
  }

  /** Queues `times` deliveries of `body`, each retried until it gets a 2xx or runs out of retries. */
  send(url: string, token: string, body: unknown, options: DeliveryOptions = {}): void {
    const times = options.times ?? 1;
    for (let i = 0; i < times; i++) this.#track(this.#attempt(url, options.token ?? token, body, 0));
  }

  /** Resolves once every queued delivery, retries included, has finished. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }

  /** Drops pending retries (timers would otherwise outlive a test or a server). */
  close(): void {
    this.#closed = true;
    for (const [timer, resolve] of this.#timers) {
      clearTimeout(timer);
      resolve();
    }
    this.#timers.clear();
  }

  #track(promise: Promise<void>): void {
    this.#pending.add(promise);
    promise.finally(() => this.#pending.delete(promise));
  }

  async #attempt(url: string, token: string, body: unknown, attempt: number): Promise<void> {
    if (this.#closed) return;
    const record: DeliveryRecord = { url, body, attempt, status: null };
    this.log.push(record);
    try {
      const response = await this.#deliver(
        new Request(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-callback-token": token,
            "webhook-id": crypto.randomUUID(),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        }),
      );
      record.status = response.status;
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // No answer counts as a failure, as at Xendit.
    }
    const delay = this.#retryDelaysMs[attempt];
    if (delay === undefined || this.#closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, delay);
      this.#timers.set(timer, resolve);
    });
    await this.#attempt(url, token, body, attempt + 1);
  }
}

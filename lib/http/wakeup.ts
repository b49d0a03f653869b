/**
 * A latch for one server-sent event stream: `wake()` marks it dirty and ends a pending `wait()`; `wait()`
 * returns at once when a wake came since the last wait (so a notification that arrives while the stream is
 * busy with a query is not lost), else after `ms`.
 */
export class Wakeup {
  #dirty = false;
  #resolve: (() => void) | null = null;

  wake(): void {
    this.#dirty = true;
    this.#resolve?.();
  }

  /** True when woken, false on timeout. */
  wait(ms: number): Promise<boolean> {
    if (this.#dirty) {
      this.#dirty = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), ms);
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        this.#resolve = null;
        this.#dirty = false;
        resolve(woken);
      };
      this.#resolve = () => finish(true);
    });
  }
}

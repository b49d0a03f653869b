/**
 * A one-line progress display on stderr for long CLI commands, only when stderr is a terminal (pipes and
 * logs get the summary alone). Redraws at most ten times a second.
 */
export class Progress {
  #rows = 0;
  #bytes = 0;
  #drawn = 0;
  #started = performance.now();
  readonly #enabled = Deno.stderr.isTerminal();

  constructor(readonly label: string, readonly totalBytes: number) {}

  /** Rows handled so far. */
  rows(count: number): void {
    this.#rows = count;
    this.#draw();
  }

  /** Bytes of input read so far (adds). */
  bytes(count: number): void {
    this.#bytes += count;
    this.#draw();
  }

  /** Clears the line. */
  done(): void {
    if (this.#enabled && this.#drawn) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
    this.#drawn = 0;
  }

  #draw(): void {
    const now = performance.now();
    if (!this.#enabled || now - this.#drawn < 100) return;
    this.#drawn = now;
    const seconds = (now - this.#started) / 1000;
    const rate = Math.round(this.#rows / Math.max(seconds, 0.001));
    let bar = "";
    if (this.totalBytes > 0) {
      const share = Math.min(1, this.#bytes / this.totalBytes);
      const filled = Math.round(share * 30);
      bar = `[${"#".repeat(filled)}${" ".repeat(30 - filled)}] ${Math.round(share * 100)}% `;
    }
    const line = `\r\x1b[2K${this.label} ${bar}${this.#rows} rows, ${rate}/s`;
    Deno.stderr.writeSync(new TextEncoder().encode(line));
  }
}

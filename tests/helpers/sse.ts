/** Reading a server-sent event stream in tests: events as they arrive, parsed per the EventSource rules. */

export type ServerEvent = { id?: string; event: string; data: string };

/** Reads events from `res` until `stop` is called; `next(match)` waits for the first event that matches. */
export function eventReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: ServerEvent[] = [];
  let buffer = "";
  let consumed = 0;

  async function readMore(): Promise<boolean> {
    const { done, value } = await reader.read();
    if (done) return false;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: ServerEvent = { event: "message", data: "" };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const [field, ...rest] = line.split(":");
        const value = rest.join(":").replace(/^ /, "");
        if (field === "id") event.id = value;
        if (field === "event") event.event = value;
        if (field === "data") data.push(value);
      }
      if (data.length > 0) seen.push({ ...event, data: data.join("\n") });
    }
    return true;
  }

  return {
    seen,
    /**
     * The next unread event that matches, waiting for more as needed; fails if the stream ends first, or after
     * `ms` (a hang guard, not a timing check: it cancels the stream and says what did arrive).
     */
    async next(match: (event: ServerEvent) => boolean = () => true, ms = 30_000): Promise<ServerEvent> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reader.cancel().catch(() => {});
          reject(new Error(`no matching event within ${ms} ms; the stream sent ${JSON.stringify(seen)}`));
        }, ms);
      });
      try {
        while (true) {
          while (consumed < seen.length) {
            const event = seen[consumed++];
            if (match(event)) return event;
          }
          if (!(await Promise.race([readMore(), expired]))) throw new Error("the event stream ended");
        }
      } finally {
        clearTimeout(timer);
      }
    },
    stop: () => reader.cancel(),
  };
}

/**
 * A real SMTP server on loopback that keeps what it receives (RFC 5321's minimum: EHLO/HELO, MAIL, RCPT,
 * DATA, RSET, NOOP, QUIT). Tests point SMTP_URL at it and read the delivered messages.
 */
export type Received = { from: string; to: string[]; data: string };

export type SmtpSink = {
  url: string;
  messages: Received[];
  /** Resolves with the first message to `to` (whose text matches `match`, if given) that arrives or has arrived. */
  waitFor(to: string, match?: RegExp, timeoutMs?: number): Promise<Received>;
  close(): void;
};

export function startSmtpSink(): SmtpSink {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const messages: Received[] = [];
  const waiters: { accepts: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
  const encoder = new TextEncoder();

  const serve = async (conn: Deno.Conn) => {
    const write = (line: string) => conn.write(encoder.encode(`${line}\r\n`));
    let buffer = "";
    let current: Received = { from: "", to: [], data: "" };
    let inData = false;
    await write("220 astapa-test-sink ESMTP");
    const decoder = new TextDecoder();
    try {
      for await (const chunk of conn.readable) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf("\r\n")) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 2);
          if (inData) {
            if (line === ".") {
              inData = false;
              messages.push(current);
              for (const waiter of waiters.splice(0)) {
                if (waiter.accepts(current)) waiter.resolve(current);
                else waiters.push(waiter);
              }
              current = { from: "", to: [], data: "" };
              await write("250 OK: queued");
            } else {
              current.data += (line.startsWith("..") ? line.slice(1) : line) + "\n";
            }
            continue;
          }
          const verb = line.slice(0, 4).toUpperCase();
          if (verb === "EHLO") await write("250-astapa-test-sink\r\n250 8BITMIME");
          else if (verb === "HELO" || verb === "NOOP" || verb === "RSET") await write("250 OK");
          else if (verb === "MAIL") (current.from = /<(.*)>/.exec(line)?.[1] ?? "", await write("250 OK"));
          else if (verb === "RCPT") (current.to.push(/<(.*)>/.exec(line)?.[1] ?? ""), await write("250 OK"));
          else if (verb === "DATA") (inData = true, await write("354 End data with <CR><LF>.<CR><LF>"));
          else if (verb === "QUIT") {
            await write("221 Bye");
            conn.close();
            return;
          } else await write("502 Command not implemented");
        }
      }
    } catch {
      // the client hung up
    }
  };
  (async () => {
    for await (const conn of listener) serve(conn);
  })().catch(() => {});

  const { port } = listener.addr as Deno.NetAddr;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(to, match, timeoutMs = 10_000) {
      const accepts = (m: Received) => m.to.includes(to) && (!match || match.test(m.data));
      const found = messages.find(accepts);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const came = messages.map((m) => m.to.join(" ")).join(", ") || "none";
          const matching = match ? ` matching ${match}` : "";
          reject(
            new Error(`no mail to ${to}${matching} arrived within ${timeoutMs} ms; mail came to: ${came}`),
          );
        }, timeoutMs);
        waiters.push({ accepts, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => listener.close(),
  };
}

/**
 * A client that closes its connection while its request's body is on the way (a phone losing its signal, a tab
 * closed mid-upload) is logged and counted as 499 (client_closed_request), as nginx does: not as the 400 of a
 * body that arrived malformed, and never as a 5xx. Nobody hears the answer.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { waitFor } from "../helpers/wait.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());

/** Sends a POST's headers and the first bytes of a longer body to `path`, then closes the connection. */
async function postHalfABody(path: string, contentType: string, half: string): Promise<void> {
  const port = Number(new URL(t.origin).port);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: ${half.length + 100}\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head + half));
  // The server answers only once it has given up on the body: its answer (if any) is read to the end here.
  conn.close();
}

const accessLine = (path: string) => () =>
  Promise.resolve(t.logs.find((line) => line.msg === "request" && line.path === path));

for (
  const [path, contentType, half] of [
    ["/api/platform/token", "application/x-www-form-urlencoded", "grant_type=client_cre"],
    ["/api/platform/users", "application/json", '{"email": "half'],
  ] as const
) {
  Deno.test(`client closed mid-body — ${path} is logged 499, not a 400, and nothing is logged as an error`, async () => {
    await postHalfABody(path, contentType, half);
    const line = await waitFor(accessLine(path), `the access line of ${path}`);
    assert.equal(line.status, 499);
    assert.deepEqual(t.logs.filter((l) => l.level === "error"), []);
  });
}

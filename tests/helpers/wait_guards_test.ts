/**
 * The hang guards of the shared poll-wait's, the webhook receiver's, the event-stream reader's and the mail
 * sink's waits: a wait that will never be met fails at its deadline saying what did arrive. The short deadlines here test the guards, not anyone's speed.
 */
import assert from "node:assert/strict";
import { startReceiver } from "./webhooks.ts";
import { eventReader } from "./sse.ts";
import { startSmtpSink } from "./smtp_sink.ts";
import { waitFor } from "./wait.ts";

Deno.test("poll-wait — a condition that never holds fails at the deadline, naming it and what was seen", async () => {
  const output = ["starting", "still starting"];
  await assert.rejects(
    waitFor(() => output.includes("ready"), "the ready line", 200, () => output.join("\n")),
    {
      message: "timed out waiting for the ready line (200 ms); saw:\nstarting\nstill starting",
    },
  );
  assert.equal(await waitFor(() => output.length > 1 && output[1], "a second line", 200), "still starting");
});

Deno.test("webhook receiver — waiting for more requests than come fails at the deadline, listing what came", async () => {
  const receiver = startReceiver();
  try {
    const sent = await fetch(receiver.url, { method: "POST", body: '{"n":1}' });
    await sent.body?.cancel();
    await receiver.waitFor(1);
    await assert.rejects(receiver.waitFor(2, 200), {
      message: `2 request(s) to ${receiver.url} did not arrive within 200 ms; came:\n{"n":1}`,
    });
  } finally {
    await receiver.close();
  }
});

Deno.test("event stream — waiting for an event that never comes fails at the deadline, listing what came", async () => {
  // A stream that sends one event and then stays open, as a live feed does.
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(new TextEncoder().encode("event: hello\ndata: 1\n\n")),
  });
  const feed = eventReader(new Response(body));
  try {
    assert.equal((await feed.next()).event, "hello");
    await assert.rejects(feed.next((e) => e.event === "payment", 200), {
      message: 'no matching event within 200 ms; the stream sent [{"event":"hello","data":"1"}]',
    });
  } finally {
    await feed.stop();
  }
});

Deno.test("mail sink — waiting for a mail that never comes fails at the deadline, saying where mail went", async () => {
  const sink = startSmtpSink();
  try {
    await assert.rejects(sink.waitFor("nobody@example.com", /welcome/, 200), {
      message: "no mail to nobody@example.com matching /welcome/ arrived within 200 ms; mail came to: none",
    });
  } finally {
    sink.close();
  }
});

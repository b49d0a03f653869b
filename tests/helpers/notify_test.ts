/**
 * The NOTIFY wait of tests/helpers/notify.ts against a real Postgres: it finds a payload sent before or after the
 * wait began, and its hang guard fails a wait that never matches with the channel, what was awaited and what was
 * heard. The short deadlines here test the guard, not anyone's speed.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { listenTo, whileListening } from "./notify.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const notify = (channel: string, payload: string) => db.sql`select pg_notify(${channel}, ${payload})`;

Deno.test("notify wait — the first matching payload, whether it came before the wait or after", async () => {
  await whileListening(db.sql, "notify_wait_probe", async (notes) => {
    await notify("notify_wait_probe", "early");
    assert.equal(await notes.heard("the early one", (p) => p === "early"), "early");
    const later = notes.heard("a later one", (p) => p.startsWith("later"));
    await notify("notify_wait_probe", "other");
    await notify("notify_wait_probe", "later-1");
    await notify("notify_wait_probe", "later-2");
    assert.equal(await later, "later-1");
    await notes.until("four payloads", (payloads) => payloads.length === 4);
    assert.deepEqual(notes.payloads, ["early", "other", "later-1", "later-2"]);
  });
});

Deno.test("notify wait — a wait that never matches fails at its deadline, naming the channel, the wait and what came", async () => {
  await whileListening(db.sql, "notify_wait_probe", async (notes) => {
    await notify("notify_wait_probe", '{"id":1}');
    await notes.heard("the first payload");
    await assert.rejects(
      notes.heard("id 2", (p) => JSON.parse(p).id === 2, 200),
      {
        message: 'no NOTIFY on notify_wait_probe for: id 2, within 200 ms; heard "{\\"id\\":1}"',
      },
    );
    await assert.rejects(
      notes.until("two payloads", (payloads) => payloads.length === 2, 200),
      { message: /^no NOTIFY on notify_wait_probe for: two payloads, within 200 ms; heard / },
    );
  });
});

Deno.test("notify wait — unlistening fails a wait still pending, and nothing is heard after it", async () => {
  const notes = await listenTo(db.sql, "notify_wait_probe");
  const refused = assert.rejects(notes.heard("a payload never sent"), {
    message:
      "no NOTIFY on notify_wait_probe for: a payload never sent, listening stopped first; heard nothing",
  });
  await notes.unlisten();
  await refused;
  await whileListening(db.sql, "notify_wait_probe", async (other) => {
    await notify("notify_wait_probe", "after");
    await other.heard("the payload after", (p) => p === "after");
  });
  assert.deepEqual(notes.payloads, [], "the first listener heard nothing after unlistening");
});

/**
 * SQL tests for what invalidates the client caches (db/api/clients.sql, migration 3030): the trigger
 * astapa.note_client_change records each change in astapa.client_changes, notifies astapa_client_changes with
 * the row's seq and raises its notice for the session; astapa.count_client_failure notifies each bucket on
 * astapa_client_failures; api.failing_client_buckets lists the buckets holding a failure in their window.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { asApp } from "@/db/client.ts";
import { failingClientBuckets, onLocalClientChange } from "@/db/client_changes.ts";
import { deleteMachineClient, updateMachineClient } from "@/db/machine_clients.ts";
import { seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { listenTo } from "../helpers/notify.ts";

const db = await testDatabase();
const listener = postgres(db.url, { max: 1, onnotice: () => {} });
Deno.test.afterAll(async () => {
  await listener.end();
  await db.close();
});
const project = await seedProject(db.sql);

/** Collects the payloads of one channel from another session, as another instance would. */
const hear = (channel: string) => listenTo(listener, channel);

const lastSeq = async () =>
  (await db.sql`select coalesce(max(seq), 0)::text as seq from astapa.client_changes`)[0].seq as string;

Deno.test("astapa.note_client_change — each change to what a grant reads is recorded, notified and noticed", async () => {
  const changes = await hear("astapa_client_changes");
  const noticed: number[] = [];
  const stop = onLocalClientChange((seq) => noticed.push(seq));
  try {
    const agent = await seedMachineClient(db.sql, project.id);
    const afterCreate = await lastSeq();
    assert.deepEqual(
      noticed,
      [Number(afterCreate)],
      "the insert's notice, with its seq, before the statement returned",
    );
    await asApp(db.sql, project.id, (tx) => updateMachineClient(tx, agent.clientId, { enabled: false }));
    await db.sql`update astapa.projects set settings = '{"grant_types": ["client_credentials"]}'
                 where id = ${project.id}`;
    await asApp(db.sql, project.id, (tx) => deleteMachineClient(tx, agent.clientId));
    const rows = await db.sql`select seq::text, source from astapa.client_changes
                              where seq > ${afterCreate} order by seq`;
    assert.deepEqual(rows.map((r) => r.source), ["machine_clients", "projects", "machine_clients"]);
    await changes.until(
      `the seqs ${rows.map((r) => r.seq)}`,
      (payloads) => rows.every((r) => payloads.includes(r.seq)),
    );
    assert.deepEqual(noticed.slice(1), rows.map((r) => Number(r.seq)));
  } finally {
    stop();
    await changes.unlisten();
  }
});

Deno.test("astapa.note_client_change — what the hosted login shows of a project counts; its other columns do not", async () => {
  const before = await lastSeq();
  await db.sql`update astapa.projects set updated_at = now() where id = ${project.id}`;
  assert.equal(await lastSeq(), before);
  await db.sql`update astapa.projects set name = 'Renamed' where id = ${project.id}`;
  await db.sql`update astapa.projects set mode = 'production' where id = ${project.id}`;
  await db
    .sql`update astapa.projects set redirect_uris = '{https://renamed.example/cb}' where id = ${project.id}`;
  const rows = await db.sql`select source from astapa.client_changes where seq > ${before} order by seq`;
  assert.deepEqual(rows.map((r) => r.source), ["projects", "projects", "projects"]);
});

Deno.test("astapa.count_client_failure — every bucket counted is announced by name", async () => {
  const failures = await hear("astapa_client_failures");
  try {
    const buckets = [
      { name: "client_auth:pair:mcl_x:192.0.2.7", max: 10, window_seconds: 300 },
      { name: "client_auth:address:192.0.2.7", max: 30, window_seconds: 300 },
    ];
    await asApp(db.sql, null, (tx) => tx`select astapa.count_client_failure(${tx.json(buckets)})`);
    await failures.until("both bucket names", (payloads) => buckets.every((b) => payloads.includes(b.name)));
  } finally {
    await failures.unlisten();
  }
});

Deno.test("api.failing_client_buckets — buckets under the prefix with a failure in their window, at most max_rows", async () => {
  await db.sql`delete from astapa.rate_limits`;
  await db.sql`insert into astapa.rate_limits (bucket, window_start, window_seconds, hits) values
    ('client_auth:pair:a:1', now(), 300, 1), ('client_auth:address:1', now(), 300, 3),
    ('client_auth:pair:b:2', now() - interval '10 minutes', 300, 5), ('sign_in:pair:e:1', now(), 300, 2)`;
  const failing = await failingClientBuckets(db.sql, "client_auth:", 10);
  assert.deepEqual(failing.map((f) => f.bucket).sort(), ["client_auth:address:1", "client_auth:pair:a:1"]);
  for (const f of failing) assert.ok(f.seconds > 0 && f.seconds <= 300);
  assert.equal((await failingClientBuckets(db.sql, "client_auth:", 1)).length, 1);
});

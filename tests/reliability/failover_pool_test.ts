/**
 * Connection handling across a failover, without Patroni (tests/reliability/patroni_test.ts has the real
 * one): several hosts in DATABASE_URL, a session terminated mid-transaction (retried, applied once), a COMMIT
 * whose answer is lost (never retried: outcome_unknown), a primary that turns read-only (25006: fresh sessions,
 * then 503 with Retry-After), and LISTEN sessions killed under a listener (re-listened, caught up).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { asApp, createPool, retrying, type Sql } from "@/db/client.ts";
import { failureKind, OutcomeUnknownError } from "@/db/failover.ts";
import { FAILOVER, failoverOf, splitHosts } from "@/db/pool.ts";
import { redact } from "@/db/connect.ts";
import { freePort } from "@/db/embedded.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { configureLog } from "@/lib/http/log.ts";
import { testDatabase, testEnv } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const admin = postgres(testEnv("ASTAPA_TEST_ADMIN_URL"), { max: 1, onnotice: () => {} });
Deno.test.afterAll(() => admin.end());

await db.sql.unsafe(`create table public.failover_probe (id serial primary key, note text not null);
  grant all on public.failover_probe to astapa_app; grant all on sequence public.failover_probe_id_seq to astapa_app`);

/** Resolves when `check` holds; polls every 20 ms, fails after 15 s with `what`. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("failover pool — a libpq multi-host URL splits per host; target_session_attrs is checked by Astapa", () => {
  const { targets, wantsPrimary } = splitHosts(
    "postgres://u:p%40ss@h1:5432,h2:5433/astapa?target_session_attrs=read-write&sslmode=disable",
  );
  assert.deepEqual(targets.map((t) => t.url), [
    "postgres://u:p%40ss@h1:5432/astapa?sslmode=disable",
    "postgres://u:p%40ss@h2:5433/astapa?sslmode=disable",
  ]);
  assert.equal(wantsPrimary, true);
  assert.equal(splitHosts("postgres://u@h1/astapa").wantsPrimary, false);
  assert.throws(() => splitHosts("postgres://h1/db?target_session_attrs=standby"), /not supported/);
});

Deno.test("failover pool — libpq's host= naming a directory is a Unix socket there, on the URL's port", () => {
  const { targets, wantsPrimary } = splitHosts(
    "postgres://u:p@:6543/astapa?host=%2Fvar%2Frun%2Fpg&sslmode=disable",
  );
  assert.deepEqual(targets, [{
    address: "/var/run/pg/.s.PGSQL.6543",
    socket: "/var/run/pg/.s.PGSQL.6543",
    url: "postgres://u:p@localhost:6543/astapa?sslmode=disable",
  }]);
  assert.equal(wantsPrimary, false);
  assert.equal(splitHosts("postgres://u@/astapa?host=/tmp/").targets[0].socket, "/tmp/.s.PGSQL.5432");
  assert.throws(() => splitHosts("postgres://u@/astapa?host=db.internal"), /socket directory/);
  assert.throws(() => splitHosts("postgres://u@h1,h2/astapa?host=/tmp"), /one server/);
});

Deno.test("failover pool — a socket URL is shown without its password", () => {
  assert.equal(
    redact("postgres://u:secret@/astapa?host=/var/run/pg"),
    "postgres://u:***@/astapa?host=/var/run/pg",
  );
  assert.equal(
    redact("postgres://u:secret@:6543/astapa?host=%2Ftmp"),
    "postgres://u:***@:6543/astapa?host=%2Ftmp",
  );
  assert.equal(
    redact("postgresql:///astapa?host=/run/postgresql"),
    "postgresql:///astapa?host=/run/postgresql",
  );
  assert.equal(redact("not a url"), "(unparseable DATABASE_URL)");
});

Deno.test("failover pool — a pool on the socket URL reaches the server through its socket", async () => {
  const admin = new URL(testEnv("ASTAPA_TEST_ADMIN_URL"));
  const [where] = await db.sql`select current_setting('unix_socket_directories') as dirs`;
  const dir = String(where.dirs).split(",")[0].trim();
  assert.ok(dir.startsWith("/"), `the test cluster has a socket directory: ${where.dirs}`);
  const url = new URL(db.url);
  const viaSocket = `postgres://${url.username}:${url.password}@:${admin.port}${url.pathname}?host=${
    encodeURIComponent(dir)
  }`;
  const sql = createPool(viaSocket, { max: 1 });
  try {
    const [row] = await sql`select inet_client_addr() as address, current_database() as name`;
    assert.deepEqual({ ...row }, { address: null, name: db.name });
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("failover pool — the first host refuses: the pool finds the primary among the others by itself", async () => {
  const url = new URL(db.url);
  const multi =
    `postgres://${url.username}:${url.password}@127.0.0.1:${freePort()},${url.host}${url.pathname}` +
    `?target_session_attrs=read-write`;
  const sql = createPool(multi, { max: 2 });
  try {
    const [row] = await asApp(sql, null, (tx) => tx`select 1 as one`);
    assert.equal(row.one, 1);
    assert.equal(failoverOf(sql)?.current(), url.host);
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("failover pool — a session terminated before COMMIT: the transaction runs again and commits once", async () => {
  let runs = 0;
  const note = `terminated-${crypto.randomUUID()}`;
  await asApp(db.sql, null, async (tx) => {
    runs++;
    await tx`insert into public.failover_probe (note) values (${note})`;
    if (runs === 1) {
      const [{ pid }] = await tx`select pg_backend_pid() as pid`;
      await admin`select pg_terminate_backend(${pid})`;
      await tx`select 1`; // the session is gone: this fails, and nothing of this run committed
    }
  });
  assert.equal(runs, 2);
  const [{ count }] = await db
    .sql`select count(*)::int as count from public.failover_probe where note = ${note}`;
  assert.equal(count, 1);
});

Deno.test("failover pool — a COMMIT whose answer is lost is not retried: 503 outcome_unknown", async () => {
  // A pool whose COMMIT always loses its connection (postgres.js reports CONNECTION_CLOSED): the one place a
  // real server cannot be made to fail on cue.
  let runs = 0;
  let rechecks = 0;
  const lost = Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" });
  const query = () => ({ execute: () => Promise.resolve([]) });
  const fake = Object.assign(query, {
    [FAILOVER]: { recheck: () => Promise.resolve(void rechecks++), current: () => "fake:5432" },
    begin: async (work: (tx: unknown) => Promise<unknown>) => {
      await work(query);
      throw lost;
    },
  }) as unknown as Sql;
  const failure = await asApp(fake, null, () => Promise.resolve(runs++)).catch((error) => error);
  assert.ok(failure instanceof OutcomeUnknownError);
  assert.equal(runs, 1, "not run again");
  assert.equal(rechecks, 0);
  const answer = toAppError(failure);
  assert.equal(answer.status, 503);
  assert.equal(answer.code, "outcome_unknown");
  assert.equal(answer.headers?.["Retry-After"], "5");
});

Deno.test("failover pool — classification: answered errors and refused connections are safe, broken ones are not", () => {
  const kind = (code: string) => failureKind(Object.assign(new Error(code), { code }));
  for (
    const code of [
      "25006",
      "57P01",
      "57P03",
      "53300",
      "08006",
      "ECONNREFUSED",
      "CONNECT_TIMEOUT",
      "NO_PRIMARY",
    ]
  ) {
    assert.equal(kind(code), "not_applied", code);
  }
  for (const code of ["CONNECTION_CLOSED", "ECONNRESET", "CONNECTION_DESTROYED"]) {
    assert.equal(kind(code), "unknown");
  }
  for (const code of ["23505", "AS409", "40001"]) assert.equal(kind(code), "other", code);
  assert.equal(failureKind(new Error("plain")), "other");
});

Deno.test("failover pool — a primary turned read-only answers 503 with Retry-After, and writes resume after", async () => {
  const sql = createPool(db.url, { max: 2 });
  try {
    await asApp(sql, null, (tx) => tx`insert into public.failover_probe (note) values ('before')`);
    await admin.unsafe(`alter database ${db.name} set default_transaction_read_only = on`);
    // New sessions are read-only; the pool's open ones are not: 25006 makes it start over with fresh ones.
    await admin`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = ${db.name} and application_name = 'astapa' and pid <> pg_backend_pid()`;
    const failure = await asApp(
      sql,
      null,
      (tx) => tx`insert into public.failover_probe (note) values ('during')`,
    )
      .catch((error) => error);
    assert.equal((failure as { code?: string }).code, "25006");
    const answer = toAppError(failure);
    assert.deepEqual([answer.status, answer.code, answer.headers?.["Retry-After"]], [
      503,
      "service_unavailable",
      "5",
    ]);
    await admin.unsafe(`alter database ${db.name} reset default_transaction_read_only`);
    await asApp(sql, null, (tx) => tx`insert into public.failover_probe (note) values ('after')`);
    const notes = await db
      .sql`select note from public.failover_probe where note in ('before', 'during', 'after')`;
    assert.deepEqual(notes.map((r) => r.note).sort(), ["after", "before"]);
  } finally {
    await admin.unsafe(`alter database ${db.name} reset default_transaction_read_only`);
    await sql.end({ timeout: 1 });
  }
});

Deno.test("failover pool — LISTEN session killed: re-listened, onlisten runs again (catch-up), notifications flow", async () => {
  const sql = createPool(db.url, { max: 2 });
  const payloads: string[] = [];
  let listened = 0;
  try {
    const listener = await sql.listen(
      "failover_probe",
      (payload) => payloads.push(payload),
      () => listened++,
    );
    assert.equal(listened, 1);
    for (let round = 1; round <= 2; round++) {
      await admin`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = ${db.name} and application_name = 'astapa-listen'`;
      await until(`re-listen ${round}`, () => listened === round + 1);
      await sql`select pg_notify('failover_probe', ${`after-${round}`})`;
      await until(`notification ${round}`, () => payloads.includes(`after-${round}`));
    }
    await listener.unlisten();
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("failover pool — retrying(): a broken read is repeated, a broken write is not", async () => {
  let rechecks = 0;
  const pool = {
    [FAILOVER]: { recheck: () => Promise.resolve(void rechecks++), current: () => "fake:5432" },
  } as unknown as Sql;
  const broken = () => Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" });
  let reads = 0;
  const read = await retrying(pool, () => reads++ === 0 ? Promise.reject(broken()) : Promise.resolve("row"), {
    read: true,
  });
  assert.deepEqual([read, reads, rechecks], ["row", 2, 1]);
  let writes = 0;
  const write = await retrying(pool, () => (writes++, Promise.reject(broken()))).catch((error) => error);
  assert.equal((write as { code?: string }).code, "CONNECTION_CLOSED");
  assert.equal(writes, 1, "a statement that may have committed is not sent again");
});

Deno.test("failover pool — postgres.js's write-after-close TypeError is stopped and the pools start over", async () => {
  const lines: string[] = [];
  configureLog("info", (line) => lines.push(line)); // this file's own worker: later tests log here too

  const sql = createPool(db.url, { max: 2 });
  try {
    await sql`select 1`;
    // The error postgres.js 3.4.9 throws from a timer when a server ends a session under a queued statement.
    const error = new TypeError("Cannot read properties of null (reading 'write')");
    error.stack = `${error.message}\n    at Immediate.nextWrite ` +
      "(file:///x/node_modules/.deno/postgres@3.4.9/node_modules/postgres/src/connection.js:255:22)";
    const event = new ErrorEvent("error", { error, cancelable: true });
    globalThis.dispatchEvent(event);
    assert.equal(event.defaultPrevented, true, "the process is not ended by it");
    assert.ok(lines.some((line) => line.includes('"database_write_after_close"')));
    assert.ok(lines.some((line) => line.includes('"database_sessions_renewed"')), "the pool started over");
    const [row] = await sql`select 2 as two`;
    assert.equal(row.two, 2, "and works on fresh sessions");
    const other = new ErrorEvent("error", { error: new TypeError("unrelated"), cancelable: true });
    globalThis.addEventListener("error", (e) => e.preventDefault(), { once: true });
    globalThis.dispatchEvent(other);
    assert.equal(lines.filter((line) => line.includes('"database_write_after_close"')).length, 1);
  } finally {
    await sql.end({ timeout: 1 });
  }
});

/**
 * The service as a person runs it: `main.ts` on an embedded Postgres in its own data folder, and several
 * instances on one DATABASE_URL.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { join } from "node:path";
import { run, startServer } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { runningPostmaster } from "@/db/embedded.ts";
import { loadConfig } from "@/config.ts";

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

Deno.test("server — embedded Postgres: starts, refuses a second start, stops cleanly, keeps data", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "astapa-serve-" });
  const env = { ASTAPA_DATA_DIR: dataDir };
  try {
    const first = await startServer(env);
    const text = first.output.join("\n");
    assert.match(text, /Data: .*astapa-serve-.*\/pg/);
    assert.match(text, /Next steps:/);
    assert.deepEqual((await getJson(`${first.url}/readyz`)).body, {
      status: "ready",
      database: "up",
      migrations: "applied",
    });

    const second = await run(["main.ts"], { ...env, PORT: "0" });
    assert.equal(second.code, 3);
    assert.match(second.stderr, /Astapa is already running on this data folder \(pid \d+/);

    // The CLI attaches to the running cluster rather than starting another, and leaves it running.
    const status = await run(["cli.ts", "db", "status", "--json"], env);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).pending.length, 0);
    assert.equal((await getJson(`${first.url}/readyz`)).status, 200);

    const credentials = JSON.parse(await Deno.readTextFile(join(dataDir, "postgres.json")));
    const postmaster = await runningPostmaster(join(dataDir, "pg"));
    assert.ok(postmaster, "the cluster is running");
    const sql = postgres({ ...credentials, host: "127.0.0.1", port: postmaster.port, max: 1 });
    // The server reaches its own cluster through the cluster's Unix socket (postmaster.pid names its folder).
    assert.equal(postmaster.socketDir, join(dataDir, "pg"));
    const sessions = await sql`
      select count(*)::int as all, count(*) filter (where client_addr is null)::int as local
      from pg_stat_activity where application_name like 'astapa%' and backend_type = 'client backend'`;
    assert.ok(sessions[0].all > 0 && sessions[0].local === sessions[0].all, JSON.stringify(sessions[0]));
    await sql`create table public.kept (note text)`;
    await sql`insert into public.kept values ('still here')`;
    await sql.end();

    assert.equal(await first.stop("SIGTERM"), 0, "SIGTERM exits cleanly");
    assert.ok(first.output.some((line) => line.includes('"msg":"stopped"')));
    assert.equal(await runningPostmaster(join(dataDir, "pg")), null, "Postgres stopped with the server");
    await assert.rejects(() => Deno.stat(join(dataDir, "astapa.pid")), Deno.errors.NotFound);

    const again = await startServer(env);
    try {
      assert.equal((await getJson(`${again.url}/readyz`)).status, 200);
      const next = await runningPostmaster(join(dataDir, "pg"));
      const reopened = postgres({ ...credentials, host: "127.0.0.1", port: next!.port, max: 1 });
      const rows = await reopened`select note from public.kept`;
      await reopened.end();
      assert.deepEqual(rows.map((r) => r.note), ["still here"]);
    } finally {
      assert.equal(await again.stop("SIGINT"), 0, "SIGINT exits cleanly too");
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("server — two instances on one fresh DATABASE_URL start together without migration races", async () => {
  const db = await testDatabase({ empty: true });
  try {
    const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };
    const servers = await Promise.all([startServer(env), startServer(env)]);
    try {
      for (const server of servers) assert.equal((await getJson(`${server.url}/readyz`)).status, 200);
      const [row] = await db.sql`select count(*)::int as n, count(distinct version)::int as d
                                 from astapa_meta.schema_migrations`;
      assert.equal(row.n, row.d, "no migration recorded twice");
      const [a, b] = await Promise.all(
        servers.map((server) => getJson(`${server.url}/.well-known/jwks.json`)),
      );
      assert.deepEqual(a.body, b.body, "both instances publish the same keys");
      assert.equal((a.body.keys as unknown[]).length, 2, "one active and one next key, installed once");
    } finally {
      for (const server of servers) assert.equal(await server.stop(), 0);
    }
  } finally {
    await db.close();
  }
});

Deno.test("server — DATABASE_URL without ASTAPA_MASTER_KEY is refused: instances must share the key", async () => {
  const result = await run(["main.ts"], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /ASTAPA_MASTER_KEY: required with DATABASE_URL/);
});

Deno.test("server — bad configuration stops boot with a readable message", async () => {
  const result = await run(["main.ts"], {
    PORT: "eighty",
    ASTAPA_BASE_URL: "https://auth.example.com/astapa",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Invalid configuration:\n {2}PORT: /);
  const base = await run(["main.ts"], { ASTAPA_BASE_URL: "https://auth.example.com/astapa" });
  assert.equal(base.code, 1);
  assert.match(base.stderr, /ASTAPA_BASE_URL: must be an origin without a path/);
});

Deno.test("server — ASTAPA_STOP_TIMEOUT_SECONDS: 15 by default, whole seconds from 1 to 3600", () => {
  assert.equal(loadConfig({}).stopTimeoutSeconds, 15);
  assert.equal(loadConfig({ ASTAPA_STOP_TIMEOUT_SECONDS: "25" }).stopTimeoutSeconds, 25);
  for (const bad of ["0", "3601", "1.5", "soon"]) {
    assert.throws(() => loadConfig({ ASTAPA_STOP_TIMEOUT_SECONDS: bad }), /ASTAPA_STOP_TIMEOUT_SECONDS/, bad);
  }
});

Deno.test("server — a stop that cannot finish (a request whose body never ends) is cut at ASTAPA_STOP_TIMEOUT_SECONDS, naming the step; Postgres still stops", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "astapa-stop-" });
  try {
    const server = await startServer({ ASTAPA_DATA_DIR: dataDir, ASTAPA_STOP_TIMEOUT_SECONDS: "2" });
    // A client that starts a request and never finishes its body. It asks to be told when the server reads
    // the body (100-continue): the answer proves the request is in the handler, in flight, when the stop comes.
    const { hostname, port } = new URL(server.url);
    const hanging = await Deno.connect({ hostname, port: Number(port) });
    await hanging.write(new TextEncoder().encode(
      "POST /api/platform/token HTTP/1.1\r\nHost: " + `${hostname}:${port}` +
        "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n" +
        "Expect: 100-continue\r\n\r\n",
    ));
    const answer = new Uint8Array(64);
    const read = await hanging.read(answer);
    assert.match(new TextDecoder().decode(answer.subarray(0, read ?? 0)), /^HTTP\/1\.1 100 Continue/);
    await hanging.write(new TextEncoder().encode("grant_type=client_"));
    const code = await server.stop("SIGTERM");
    assert.equal(code, 1, "a stop cut short says so");
    const cut = server.output.find((line) => line.includes('"msg":"stop_timed_out"'));
    assert.ok(cut, server.output.slice(-10).join("\n"));
    assert.deepEqual(
      [JSON.parse(cut).step, JSON.parse(cut).after_ms],
      ["requests in flight", 2000],
    );
    assert.equal(await runningPostmaster(join(dataDir, "pg")), null, "Postgres stopped with the server");
    hanging.close();
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

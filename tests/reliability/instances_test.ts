/**
 * Three Astapa processes on one Postgres behind a round-robin proxy: migrations at a simultaneous start do
 * not race, tokens issued by one instance refresh on another, and brute-force lockouts are global.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";

Deno.test("instances — three servers behind a round-robin proxy share every piece of state", async () => {
  const db = await testDatabase({ empty: true });
  const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };
  const servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);
  let turn = 0;
  const seen = new Set<string>();
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const target = servers[turn++ % servers.length].url;
    seen.add(target);
    const url = new URL(request.url);
    return await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  });
  const origin = `http://127.0.0.1:${proxy.addr.port}`;
  const post = async (path: string, params: Record<string, string>) => {
    const res = await fetch(`${origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });
    return {
      status: res.status,
      body: res.headers.get("content-type")?.includes("json") ? await res.json() : null,
    };
  };
  try {
    const [migrations] = await db.sql`select count(*)::int as n, count(distinct version)::int as d
                                      from astapa_meta.schema_migrations`;
    assert.equal(migrations.n, migrations.d, "each migration applied once");

    const project = await seedProject(db.sql);
    const userId = await seedUser(db.sql, project.id);
    const client = { client_id: project.clientId, client_secret: project.secret };
    const code = await issueCode(db.sql, project, { userId });
    let tokens = (await post("/api/platform/token", {
      grant_type: "authorization_code",
      code,
      redirect_uri: project.redirectUri,
      ...client,
    })).body;
    assert.ok(tokens.access_token);
    for (let i = 0; i < 6; i++) {
      const next = await post("/api/platform/token", {
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token,
        ...client,
      });
      assert.equal(next.status, 200, `refresh ${i} on another instance`);
      tokens = next.body;
    }
    const introspected = await post("/api/platform/introspect", { token: tokens.access_token, ...client });
    assert.equal(introspected.body.active, true, "any instance verifies another's token");

    for (let i = 0; i < 10; i++) {
      const failed = await post("/api/platform/token", {
        grant_type: "client_credentials",
        ...client,
        client_secret: "wrong",
      });
      assert.equal(failed.status, 401);
    }
    const locked = await post("/api/platform/token", { grant_type: "client_credentials", ...client });
    assert.equal(locked.status, 429, "failures counted on every instance lock the client out on all of them");
    assert.equal(seen.size, 3, "every instance served traffic");
  } finally {
    await proxy.shutdown();
    for (const server of servers) assert.equal(await server.stop(), 0);
    await db.close();
  }
});

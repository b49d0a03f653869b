/**
 * Postgres goes away under a running app and comes back: requests fail fast with 503, /readyz turns red, the
 * process stays up, and service resumes by itself when the database returns.
 */
import assert from "node:assert/strict";
import { createPool } from "@/db/client.ts";
import { freePort, startEmbeddedPostgres } from "@/db/embedded.ts";
import { migrate } from "@/db/migrate.ts";
import { loadConfig } from "@/config.ts";
import { createApp } from "@/lib/app.ts";
import { configureLog } from "@/lib/http/log.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { createDeps } from "@/lib/deps.ts";
import { seedProject } from "../helpers/identity.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testEnv } from "../helpers/db.ts";

Deno.test("outage — Postgres stops: 503 fast, readyz red, process up; it returns: service resumes", async () => {
  const logs: string[] = [];
  configureLog("info", (line) => logs.push(line));
  const dir = await Deno.makeTempDir({ prefix: "astapa-outage-" });
  const port = freePort();
  let cluster = await startEmbeddedPostgres(dir, { durable: false, port });
  const sql = createPool(cluster.url, { max: 4 });
  let deps: Awaited<ReturnType<typeof createDeps>> | undefined;
  try {
    await migrate(sql);
    const config = loadConfig({ ASTAPA_BASE_URL: "http://astapa.test", DATABASE_URL: cluster.url });
    deps = await createDeps({
      config,
      sql,
      masterKeys: await deriveMasterKeys(TEST_MASTER_KEY),
      assets: { clientScript: testEnv("ASTAPA_TEST_CLIENT_SCRIPT") },
    });
    const app = await createApp(deps);
    const project = await seedProject(sql, { settings: { client_credentials_scopes: [] } });
    const token = () =>
      app.request("/api/platform/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: project.clientId,
          client_secret: project.secret,
        }),
      });
    assert.equal((await token()).status, 200);

    await cluster.stop();
    const down = await token();
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("retry-after"), "5");
    assert.deepEqual(await down.json(), {
      error: "service_unavailable",
      error_description: "The service is not ready. Try again shortly.",
    });
    const ready = await app.request("/readyz");
    assert.equal(ready.status, 503);
    assert.equal((await ready.json()).database, "down");
    assert.equal((await app.request("/healthz")).status, 200, "the process itself is fine");

    cluster = await startEmbeddedPostgres(dir, { durable: false, port });
    let recovered = 0;
    for (let attempt = 0; attempt < 50 && recovered !== 200; attempt++) {
      recovered = (await app.request("/readyz")).status;
      if (recovered !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(recovered, 200, "readyz recovers without a restart");
    assert.equal((await token()).status, 200, "tokens flow again");
    assert.ok(
      logs.some((line) => line.includes('"code":"service_unavailable"')),
      "the outage was logged with its cause",
    );
  } finally {
    deps?.close();
    await sql.end({ timeout: 1 });
    await cluster.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The real app on a fresh database, for handler tests through `app.request()` or a real listener. */
import type { Hono } from "hono";
import { loadConfig } from "../../config.ts";
import type { Config } from "../../config.ts";
import { createApp } from "../../lib/app.ts";
import type { AppEnv, Deps } from "../../lib/app_env.ts";
import { configureLog } from "../../lib/http/log.ts";
import { deriveKey } from "../../lib/tokens/master_key.ts";
import { KeyStore } from "../../lib/tokens/signing_keys.ts";
import { type TestDatabase, testDatabase, testEnv } from "./db.ts";

export const TEST_MASTER_KEY = "test-master-key-test-master-key-0123456789";

export type TestApp = {
  app: Hono<AppEnv>;
  deps: Deps;
  db: TestDatabase;
  config: Config;
  /** Log lines the app wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
};

export async function testApp(env: Record<string, string> = {}): Promise<TestApp> {
  const logs: Record<string, unknown>[] = [];
  configureLog("debug", (line) => logs.push(JSON.parse(line)));
  const db = await testDatabase();
  const config = loadConfig({ ASTAPA_BASE_URL: "http://astapa.test", DATABASE_URL: db.url, ...env });
  const keys = new KeyStore(db.sql, await deriveKey(TEST_MASTER_KEY));
  await keys.ensureKeys();
  const deps: Deps = {
    config,
    sql: db.sql,
    assets: { clientScript: testEnv("ASTAPA_TEST_CLIENT_SCRIPT") },
    keys,
  };
  const app = await createApp(deps);
  return { app, deps, db, config, logs, close: () => db.close() };
}

/** Serves the app on a free loopback port (for the browser); returns its origin. */
export function listen(app: Hono<AppEnv>): { origin: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return { origin: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

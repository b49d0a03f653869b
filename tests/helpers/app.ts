/** The real app on a fresh database, for handler tests through `app.request()` or a real listener. */
import type { Hono } from "hono";
import { type Config, loadConfig } from "@/config.ts";
import { createApp } from "@/lib/app.ts";
import type { AppEnv, Deps } from "@/lib/app_env.ts";
import { configureLog } from "@/lib/http/log.ts";
import { deriveMasterKeys, loadMasterKeys } from "@/lib/tokens/master_key.ts";
import { createDeps } from "@/lib/deps.ts";
import { type TestDatabase, testDatabase, testEnv } from "./db.ts";

export const TEST_MASTER_KEY = "test-master-key-test-master-key-0123456789";

export type TestApp = {
  app: Hono<AppEnv>;
  deps: Deps;
  db: TestDatabase;
  config: Config;
  /** The issuer; with `listen`, also where the app is served. */
  origin: string;
  /** Log lines the app wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
};

/**
 * Builds the app on its own database. With `listen: true` it is also served on a loopback port, and that
 * origin is the issuer (strict clients check that discovery and tokens name the address they called).
 */
export async function testApp(
  options: { env?: Record<string, string>; listen?: boolean; localhost?: boolean } = {},
): Promise<TestApp> {
  const logs: Record<string, unknown>[] = [];
  configureLog("debug", (line) => logs.push(JSON.parse(line)));
  // The listener comes first (its port is the issuer); requests reach the app once it is built.
  const served: { app?: Hono<AppEnv> } = {};
  const server = options.listen
    ? Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req, info) => served.app!.fetch(req, info),
    )
    : null;
  // `localhost`: WebAuthn takes a host name, never an IP address, as its RP ID (tests/e2e/passkeys_test.ts).
  const host = options.localhost ? "localhost" : "127.0.0.1";
  const origin = server ? `http://${host}:${server.addr.port}` : "http://astapa.test";
  const db = await testDatabase();
  const config = loadConfig({
    ASTAPA_BASE_URL: origin,
    DATABASE_URL: db.url,
    PWNED_PASSWORDS_URL: "off", // no test reaches the internet; tests/http/breached_passwords_test.ts serves its own
    ...options.env,
  });
  const deps = await createDeps({
    config,
    sql: db.sql,
    // The test key, unless the test gives ASTAPA_MASTER_KEY (and earlier ones) as a deployment would.
    masterKeys: config.masterKey ? await loadMasterKeys(config) : await deriveMasterKeys(TEST_MASTER_KEY),
    assets: { clientScript: testEnv("ASTAPA_TEST_CLIENT_SCRIPT") },
  });
  const app = served.app = await createApp(deps);
  return {
    app,
    deps,
    db,
    config,
    origin,
    logs,
    async close() {
      deps.close();
      await server?.shutdown();
      await db.close();
    },
  };
}

/**
 * One extra HTTP-serving thread (ASTAPA_WORKERS, lib/serve_workers.ts): the same app on the same port through
 * SO_REUSEPORT, with its own pool, key store and client cache (it listens for the same NOTIFYs as another
 * instance would). It runs no background work: the payment, billing, mail and webhook workers and the key
 * rotation stay in the main thread. Messages: {assets, port} to start (answered "listening"), "stop" (answered
 * "stopped").
 */
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/connect.ts";
import { createApp } from "./app.ts";
import { configureLog } from "./http/log.ts";
import type { IslandAssets } from "./islands/build.ts";
import { createDeps } from "./deps.ts";
import { loadMasterKeys } from "./tokens/master_key.ts";

/** This worker's side of the channel (typed here: the worker lib's globals are not in the project's lib). */
const scope = self as unknown as {
  onmessage: (event: MessageEvent<{ assets: IslandAssets; port: number } | "stop">) => void;
  postMessage(message: string): void;
};
let stop: (() => Promise<void>) | null = null;

scope.onmessage = async (event: MessageEvent<{ assets: IslandAssets; port: number } | "stop">) => {
  if (event.data === "stop") {
    await stop?.();
    scope.postMessage("stopped");
    return;
  }
  const config = loadConfig();
  configureLog(config.logLevel);
  const masterKeys = await loadMasterKeys(config);
  const database = await openDatabase(config);
  const deps = await createDeps({ config, sql: database.sql, masterKeys, assets: event.data.assets });
  const app = await createApp(deps);
  const server = Deno.serve({
    hostname: config.hostname,
    port: event.data.port, // the main thread's (PORT=0 picks one there)
    reusePort: true,
    onListen: () => scope.postMessage("listening"),
  }, app.fetch);
  stop = async () => {
    await server.shutdown();
    deps.close();
    await database.close();
  };
};

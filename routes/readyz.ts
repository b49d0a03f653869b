import type { Handlers } from "../lib/router/routes.ts";
import { ping } from "../db/client.ts";
import { migrationStatus } from "../db/migrate.ts";

/** Readiness: the database answers, every migration this build carries is applied, and so is its db/api. */
export const handler: Handlers = {
  async GET(c) {
    const { sql } = c.var.deps;
    const database = await ping(sql);
    const status = database ? await migrationStatus(sql) : null;
    const migrations = status === null
      ? "unknown"
      : status.problems.length
      ? "inconsistent"
      : status.pending.length || status.currentFiles?.pending
      ? "pending"
      : "applied";
    const ready = database && migrations === "applied";
    return c.json(
      { status: ready ? "ready" : "not_ready", database: database ? "up" : "down", migrations },
      ready ? 200 : 503,
      { "cache-control": "no-store" },
    );
  },
};

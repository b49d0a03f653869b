import type { Handlers } from "../lib/router/routes.ts";

/** Liveness: the process is up and serving. Says nothing about the database (see /readyz). */
export const handler: Handlers = {
  GET: (c) => c.json({ status: "ok" }, 200, { "cache-control": "no-store" }),
};

/** One database server as the pools connect to it: over TCP, or a Unix socket (db/pool.ts splitHosts). */
import type postgres from "postgres";

/** A URL for postgres.js and, for a Unix socket, the socket file (postgres.js's `path`). */
export type Target = { url: string; address: string; socket?: string };

/** postgres.js options that reach `target`: the given ones, plus the socket when it is one. */
export function targetOptions<T extends postgres.Options<Record<string, postgres.PostgresType>>>(
  target: Target,
  settings: T,
): T {
  return target.socket ? { ...settings, path: target.socket } : settings;
}

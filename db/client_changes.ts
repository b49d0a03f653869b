/**
 * What invalidates the client-credential caches (lib/oauth/verified_clients.ts): a typed wrapper around
 * api.failing_client_buckets (db/api/clients.sql), the NOTIFY channels, and the
 * notice `astapa_client_change` that the trigger raises in the session that made the change. Every pool of this
 * process hands that notice here (db/client.ts createPool), so a change made through this process reaches its
 * caches before the statement returns; other processes hear the NOTIFY on commit.
 */
import { z } from "zod";
import type { Sql } from "./client.ts";
import { result } from "./result.ts";

/** NOTIFY channel of astapa.note_client_change; payload: the astapa.client_changes seq. */
export const CLIENT_CHANGES_CHANNEL = "astapa_client_changes";
/** NOTIFY channel of astapa.count_client_failure; payload: the failing bucket's name. */
export const CLIENT_FAILURES_CHANNEL = "astapa_client_failures";

const changeListeners = new Set<(seq: number) => void>();

/**
 * Calls `fn` with the change's astapa.client_changes seq whenever a session of this process changes client
 * credentials; returns the unsubscribe.
 */
export function onLocalClientChange(fn: (seq: number) => void): () => void {
  changeListeners.add(fn);
  return () => changeListeners.delete(fn);
}

/** The pools' notice handler: passes the trigger's notice on, drops every other notice (as before). */
export function handleNotice(notice: { message?: string; detail?: string }): void {
  if (notice.message !== "astapa_client_change") return;
  const seq = Number(notice.detail);
  for (const fn of changeListeners) fn(seq);
}

const FailingBucketsSchema = z.array(z.object({ bucket: z.string(), seconds: z.number().int().positive() }));

/** Buckets under `prefix` holding a failure in their window now, at most `maxRows`. */
export async function failingClientBuckets(
  sql: Sql,
  prefix: string,
  maxRows: number,
): Promise<z.infer<typeof FailingBucketsSchema>> {
  return await result(
    sql`select api.failing_client_buckets(${prefix}, ${maxRows}) as result`,
    FailingBucketsSchema,
  );
}

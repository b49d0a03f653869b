/** Typed wrappers around the shared cache of Client ID Metadata Documents (db/api/client_metadata_documents.sql). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { result } from "./result.ts";

const Cached = z.object({
  document: z.record(z.string(), z.unknown()),
  fresh: z.boolean(),
});

/** The cached document of a URL client id and whether it is still fresh, or null (marks it used). */
export function cachedMetadataDocument(sql: Sql, clientId: string): Promise<z.infer<typeof Cached> | null> {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.client_metadata_document(${clientId}) as result`, Cached.nullable()),
  );
}

const Stored = z.object({
  redirect_uris_changed: z.boolean(),
  previous_redirect_uris: z.array(z.string()).nullable(),
});

/** Keeps a validated document for `maxAgeSeconds`; says whether its redirect URIs changed since the last copy. */
export function storeMetadataDocument(
  sql: Sql,
  clientId: string,
  document: Record<string, unknown>,
  maxAgeSeconds: number,
): Promise<z.infer<typeof Stored>> {
  return asApp(sql, null, (tx) =>
    result(
      tx`select api.store_client_metadata_document(${clientId}, ${tx.json(document as never)},
                                                   ${maxAgeSeconds}) as result`,
      Stored,
    ));
}

/** Audits a refused metadata document, or one whose redirect URIs changed, in `projectId`. */
export async function recordMetadataDocumentEvent(
  sql: Sql,
  projectId: string,
  event: { clientId: string; kind: "refused" | "redirect_uris_changed"; reason: string },
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    await tx`select api.record_client_metadata_event(${event.clientId}, ${event.kind}, ${event.reason})`;
  }, { actor: "client:metadata_document" });
}

/**
 * Counts one document fetch for the requesting address in the shared rate-limit table (every instance);
 * returns 0 while within `max` per window, else the seconds until the window ends.
 */
export function countMetadataFetch(
  sql: Sql,
  address: string,
  limits: { max: number; windowSeconds: number },
): Promise<number> {
  const bucket = `client_metadata_fetch:address:${address.slice(0, 100)}`;
  return asApp(
    sql,
    null,
    (tx) =>
      result(
        tx`select api.rate_limit_hit(${bucket}, ${limits.max}, ${limits.windowSeconds}) as result`,
        z.number(),
      ),
  );
}

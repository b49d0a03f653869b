/**
 * An export as NDJSON, one user a line, read page by page (keyset on sub, each page its own short
 * transaction) as the reader pulls: memory holds one page whatever the project's size.
 */
import type { ExportedUser } from "@/db/user_import.ts";

export const EXPORT_PAGE_SIZE = 500;

/** Pages after `first` come from `next(afterId)` until one is shorter than a full page. */
export function ndjsonExport(
  first: ExportedUser[],
  next: (afterId: string) => Promise<ExportedUser[]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page: ExportedUser[] | null = first;
  return new ReadableStream({
    // Each pull enqueues or closes: a pull that does neither is never called again (Streams spec).
    async pull(controller) {
      if (page === null || page.length === 0) {
        controller.close();
        return;
      }
      const current: ExportedUser[] = page;
      controller.enqueue(encoder.encode(current.map((user) => JSON.stringify(user) + "\n").join("")));
      page = current.length < EXPORT_PAGE_SIZE ? null : await next(current[current.length - 1].sub);
    },
  });
}

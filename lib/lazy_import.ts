/**
 * Libraries that only a few routes or rare events need, loaded on their first use instead of at start-up
 * (issue 24 item 4; docs/performance.md "3. RSS"): each npm package imported adds 5–30 MB resident, which a
 * server that never verifies a passkey, decodes a logo or sends a mail should not hold. The router still
 * imports every route module at start-up; only the libraries behind them wait.
 */
import { AppError } from "@/lib/http/errors.ts";

/**
 * A cached loader for `name`: the first call starts the import, every later call shares it. A failed import
 * is not cached (the next use tries again) and surfaces as the catalogue's `internal_error` (a 500 on a
 * request) whose cause names the library, never as an unhandled rejection.
 */
export function lazyImport<T>(name: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw new AppError("internal_error", { cause: new Error(`could not load ${name}`, { cause: error }) });
    });
}

/** Reading what `api.*` functions return: one value in a column named `result`, checked with zod. */
import type { z } from "zod";

/** The `result` column of the single row a `select api.fn(…) as result` returns, parsed by `schema`. */
export async function result<S extends z.ZodType>(
  query: PromiseLike<readonly { result?: unknown }[]>,
  schema: S,
): Promise<z.infer<S>> {
  const rows = await query;
  return schema.parse(rows[0]?.result);
}

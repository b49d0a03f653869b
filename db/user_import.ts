/** Typed wrappers around db/api/user_import.sql: import a batch, export a keyset page, re-hash at sign-in. */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

export const ImportResultSchema = z.object({
  created: z.number(),
  updated: z.number(),
  dry_run: z.boolean(),
  refused: z.array(z.object({ row: z.number(), email: z.string().nullish(), reason: z.string() })),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

/** Who imports, as the subscription history records a plan the import sets. */
export type ImportSource = "claims_api" | "cli";

/**
 * Creates or updates each row (lib/import/rows.ts checked them) by external_id, then email; a bad row is
 * refused alone. `dryRun` answers the same and writes nothing.
 */
export function importUsers(
  tx: Tx,
  projectId: string,
  rows: readonly object[],
  options: { dryRun: boolean; source: ImportSource },
): Promise<ImportResult> {
  // Sent as text: postgres.js would JSON-encode a string parameter typed jsonb a second time.
  const json = JSON.stringify(rows);
  return result(
    tx`select api.import_users(${projectId}, ${json}::text::jsonb, ${options.source}, ${options.dryRun}) as result`,
    ImportResultSchema,
  );
}

/** One exported user, in the shape the import reads (plus `sub`, which an import ignores). */
export const ExportedUserSchema = z.looseObject({ sub: z.string(), email: z.string() });
export type ExportedUser = z.infer<typeof ExportedUserSchema>;

/** Up to `size` users after `afterId` (0: the first page, which audits the export). */
export function exportUsersPage(
  tx: Tx,
  projectId: string,
  page: { afterId: string; size: number; withPasswordHashes: boolean },
): Promise<ExportedUser[]> {
  return result(
    tx`select api.export_users(${projectId}, ${page.afterId}::bigint, ${page.size}, ${page.withPasswordHashes})
      as result`,
    z.array(ExportedUserSchema),
  );
}

/**
 * Replaces a verified imported hash with argon2id, only while it is still `oldHash`. Returns the user's hash
 * after the call: `newHash` when replaced, else the one stored now (null: none).
 */
export function upgradeImportedPassword(
  tx: Tx,
  projectId: string,
  user: { id: string; oldHash: string; newHash: string },
): Promise<string | null> {
  return result(
    tx`select api.upgrade_imported_password(${projectId}, ${user.id}::bigint, ${user.oldHash}, ${user.newHash})
      as result`,
    z.string().nullable(),
  );
}

/**
 * After the hosted login verified a password against an imported hash (lib/import/verify_hash.ts): replace
 * it with argon2id of the same password, so the foreign hash is gone after the person's first sign-in.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { upgradeImportedPassword } from "@/db/user_import.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { needsRehash } from "./hash_formats.ts";

/**
 * Re-hashes `stored` (already verified against `password`) unless it is Astapa's own argon2id. Returns the hash
 * the user now has as far as this sign-in knows: the new one, or `stored` when nothing was replaced (the
 * session start then finds out whether it is still current).
 */
export async function rehashIfImported(
  sql: Sql,
  projectId: string,
  userId: string,
  stored: string,
  password: string,
): Promise<string> {
  if (!needsRehash(stored)) return stored;
  const newHash = await hashPassword(password);
  const replaced = await asApp(
    sql,
    projectId,
    (tx) => upgradeImportedPassword(tx, projectId, { id: userId, oldHash: stored, newHash }),
    { actor: "hosted_login" },
  );
  return replaced ? newHash : stored;
}

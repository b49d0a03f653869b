/**
 * After the hosted login verified a password against an imported hash (lib/import/verify_hash.ts): replace
 * it with argon2id of the same password, so the foreign hash is gone after the person's first sign-in.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { upgradeImportedPassword } from "@/db/user_import.ts";
import { hashPassword, verifyPassword } from "@/lib/passwords.ts";
import { needsRehash } from "./hash_formats.ts";

/**
 * Re-hashes `stored` (already verified against `password`) unless it is Astapa's own argon2id. Returns the hash
 * the user now has as far as this sign-in knows: the new one; or, when another sign-in of the same person
 * re-hashed it first, theirs (verified once against the same password, so a re-hash alone never fails a right
 * password); else `stored`, and the session start refuses it (a reset, claim or removal won: credentials_changed).
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
  const current = await asApp(
    sql,
    projectId,
    (tx) => upgradeImportedPassword(tx, projectId, { id: userId, oldHash: stored, newHash }),
    { actor: "hosted_login" },
  );
  if (current === newHash) return newHash;
  // Not replaced. A hash the same password verifies against is another sign-in's re-hash (or a reset to that
  // very password): the password is right now. Anything else is a real change, refused at the session start.
  if (current !== null && await verifyPassword(current, password)) return current;
  return stored;
}

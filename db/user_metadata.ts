/** Typed wrappers around a user's metadata functions (db/api/user_metadata.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

export const UserMetadataSchema = z.record(z.string(), z.json());
export type UserMetadata = z.infer<typeof UserMetadataSchema>;

/** The app's metadata about the user ({} when none); not_found outside the current environment. */
export function userMetadata(tx: Tx, projectId: string, userId: string): Promise<UserMetadata> {
  return result(tx`select api.user_metadata(${projectId}, ${userId}::bigint) as result`, UserMetadataSchema);
}

/** Merges `patch` into it (RFC 7396), or with `whole` puts it in its place; answers the result. */
export function patchUserMetadata(
  tx: Tx,
  projectId: string,
  userId: string,
  patch: UserMetadata,
  whole = false,
): Promise<UserMetadata> {
  return result(
    tx`select api.patch_user_metadata(${projectId}, ${userId}::bigint, ${tx.json(patch as never)}, ${whole})
      as result`,
    UserMetadataSchema,
  );
}

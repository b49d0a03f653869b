/**
 * A user's id (the `sub`) as it travels in URLs and bodies: a positive bigint written in decimal. Old users
 * have small sequential ids, new ones time-ordered 63-bit ids (astapa.new_user_id in db/api/users.sql), so up to 19 digits; anything
 * past bigint's range is refused here rather than failing in Postgres.
 */
import { z } from "zod";

const MAX = 2n ** 63n - 1n;

/** True for a decimal string that can be a user id. */
export function isUserId(text: string): boolean {
  return /^\d{1,19}$/.test(text) && BigInt(text) <= MAX;
}

export const UserIdSchema = z.string().refine(isUserId, "The user's id (the sub): digits.");

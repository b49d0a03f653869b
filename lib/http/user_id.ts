/**
 * A user's id (the `sub`) as it travels in URLs and bodies: a positive bigint in decimal, written as it is issued
 * (no sign, no leading zero), so one user has one spelling. Old users have small sequential ids, new ones
 * time-ordered 63-bit ids (astapa.new_user_id in db/api/users.sql) that reach 19 digits in mid-2027; anything
 * past bigint's range is refused here rather than failing in Postgres. astapa.user_id_of is the SQL twin.
 */
import { z } from "zod";

const MAX = 2n ** 63n - 1n;
const DIGITS = /^[1-9]\d{0,18}$/;

/** True for text that is a user id as issued. */
export function isUserId(text: string): boolean {
  return DIGITS.test(text) && BigInt(text) <= MAX;
}

const MESSAGE = "The user's id (the sub): digits.";

/** The pattern also shows in the OpenAPI document; a text that fails it is not checked further. */
export const UserIdSchema = z.string()
  .regex(DIGITS, { message: MESSAGE, abort: true })
  .refine((text) => BigInt(text) <= MAX, MESSAGE);

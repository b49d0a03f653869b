/** A user as the Platform API answers it: `sub` (the JWT's), then the rest of the record (db/users.ts). */
import { z } from "zod";
import { type User, UserSchema } from "@/db/users.ts";

export const PlatformUser = UserSchema.omit({ id: true }).extend({
  sub: z.string().describe("The user's id, as their tokens' sub."),
});
export type PlatformUser = z.infer<typeof PlatformUser>;

export function platformUser({ id, ...rest }: User): PlatformUser {
  return { sub: id, ...rest };
}

/** The waitlist entry id (wle_…) in a Platform API or dashboard path: anything else is simply not found. */
import type { Ctx } from "../app_env.ts";
import { AppError } from "../http/errors.ts";

export function waitlistEntryParam(c: Ctx): string {
  const id = c.req.param("id") ?? "";
  if (!/^wle_[a-z2-7]{24}$/.test(id)) {
    throw new AppError("not_found", { description: "This project's waitlist has no entry with this id." });
  }
  return id;
}

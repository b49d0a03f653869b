/**
 * Declines a waitlist entry: its address stays unable to sign up; nothing is mailed. An approved entry may be
 * declined until its account is made (an account is never touched). Declining again changes nothing.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { declineWaitlistEntry, WaitlistEntrySchema } from "@/db/waitlist.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { waitlistEntryParam } from "@/lib/waitlist/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Deciding who gets in: the project's own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async POST(c) {
    const id = waitlistEntryParam(c);
    const entry = await asClient(c, (tx) => declineWaitlistEntry(tx, id));
    return c.json(entry, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Users",
    summary: "Decline a waitlist entry (no mail; idempotent)",
    auth: "client",
    responses: {
      200: { description: "The entry (declined)", schema: WaitlistEntrySchema },
      ...COMMON_ERRORS,
    },
  },
};

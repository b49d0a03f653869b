/**
 * The project's sign-up waitlist over the Platform API (settings.sign_up.mode = waitlist): the addresses that
 * asked to sign up in the project's current environment, newest first, a page at a time, optionally one status.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { listWaitlist, WaitlistPageSchema, WaitlistStatusSchema } from "@/db/waitlist.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  status: WaitlistStatusSchema.optional().describe("Only entries waiting, approved or declined."),
  before: z.string().regex(/^wle_[a-z2-7]{24}$/, "A waitlist entry id (the previous page's next_before).")
    .optional()
    .describe("The previous page's next_before: entries older than this one."),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe("Entries a page, 1 to 200 (50)."),
});

/** The waitlist holds people's addresses: the project's own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const query = validate(Query, c.req.query());
    const page = await asClient(c, (tx) => listWaitlist(tx, query));
    return c.json(page, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "The sign-up waitlist, newest first, a page at a time",
    description: "Entries of the project's current environment. next_before is null on the last page.",
    auth: "client",
    query: Query,
    responses: { 200: { description: "A page", schema: WaitlistPageSchema }, ...COMMON_ERRORS },
  },
};

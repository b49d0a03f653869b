/**
 * Approves a waitlist entry: its address may now sign up through the hosted login, and Astapa mails it a link —
 * through the app's initiate_login_uri when the project's client has one (/auth/start; docs/hosted-login.md
 * "Sign-ins the app did not start"), else the hosted sign-up link (the project's own client, its first redirect
 * URI, login_hint=<address>) — in the language the person joined in, or English and Indonesian for an entry from
 * before languages were kept. Approving an approved entry changes nothing and mails nothing.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { approveWaitlistEntry, WaitlistEntrySchema } from "@/db/waitlist.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { waitlistEntryParam } from "@/lib/waitlist/params.ts";
import { waitlistApproval } from "@/lib/waitlist/approval_mail.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Approving lets a person in: the project's own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async POST(c) {
    const id = waitlistEntryParam(c);
    const baseUrl = c.var.deps.config.baseUrl;
    const entry = await asClient(
      c,
      (tx, projectId) =>
        approveWaitlistEntry(
          tx,
          projectId,
          id,
          (entry, project) => waitlistApproval(baseUrl, project, entry),
        ),
    );
    return c.json(entry, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Users",
    summary: "Approve a waitlist entry and mail it the sign-up link (idempotent)",
    description:
      "A declined entry may be approved too. The link goes through the client's initiate_login_uri " +
      "when set (docs/hosted-login.md); else to the hosted sign-up page, and no mail without a redirect URI.",
    auth: "client",
    responses: {
      200: { description: "The entry (approved)", schema: WaitlistEntrySchema },
      ...COMMON_ERRORS,
    },
  },
};

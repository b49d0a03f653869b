/**
 * The Platform API's invitations to an organization: list them; invite an address with a role. Astapa mails the
 * invitation (en or id) with the app's `accept_url` plus `invitation=<token>`; the app starts its sign-in with
 * that parameter and the hosted login accepts it (docs/organizations.md). The token is also returned once.
 */
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { inviteWithMail, listInvitations } from "@/db/organizations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { invitationLink, invitationMail } from "@/lib/organizations/invitation_mail.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const NewInvitation = z.strictObject({
  email: z.string().max(254),
  role: z.string().max(64).default("member"),
  accept_url: z.url({ protocol: /^https?$/ }).max(2000).describe(
    "The app's page that starts sign-in, on the origin of one of the project's redirect URIs; the mail links to " +
      "it with invitation=<token> added.",
  ),
  ttl_seconds: z.number().int().default(604800).describe("How long the invitation works (60 s to 30 days)."),
  invited_by: UserIdSchema.optional().describe(
    "The inviting member (owner or admin).",
  ),
  lang: z.enum(["en", "id"]).default("en").describe("The mail's language."),
});

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const id = organizationParam(c);
    return c.json(await asClient(c, (tx) => listInvitations(tx, id)), 200, NO_STORE);
  },
  async POST(c) {
    const id = organizationParam(c);
    const body = validate(NewInvitation, await bodyWithoutCredentials(c));
    const token = randomSecret();
    const link = invitationLink(body.accept_url, token);
    const invitation = {
      email: body.email,
      role: body.role,
      tokenHash: await sha256(token),
      ttlSeconds: body.ttl_seconds,
      invitedBy: body.invited_by ?? null,
      acceptUrl: body.accept_url,
    };
    const created = await asClient(
      c,
      (tx, projectId) =>
        inviteWithMail(
          tx,
          projectId,
          id,
          invitation,
          (names) => invitationMail(body.lang, body.email, names, link, body.ttl_seconds),
        ),
    );
    return c.json({ ...created, token, link }, 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "An organization's invitations, newest first, with their status",
    auth: "client",
    responses: { 200: { description: "Invitations" }, 401: COMMON_ERRORS[401] },
  },
  post: {
    tag: "Organizations",
    summary:
      "Invite an address with a role; mailed, and answered once with its token and link (409 no free seat)",
    auth: "client",
    body: { schema: NewInvitation, media: ["json"] },
    responses: { 201: { description: "The invitation, its token and link" }, ...COMMON_ERRORS },
  },
};

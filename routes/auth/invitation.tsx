import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps, PageResult } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import { acceptOrganizationInvitation, organizationInvitationOffer } from "@/db/organizations.ts";
import { finishSignIn, liveBrowserSession } from "@/lib/login/flow.ts";
import { mfaOwed } from "@/lib/login/factors/policy.ts";
import type { AuthorizeRequest } from "@/lib/login/authorize_request.ts";
import { invitationRefusal, pickerHref } from "@/lib/login/organization_step.ts";
import { type MessageKey, MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import {
  AuthForm,
  authorizeRequest,
  authPageData,
  readAuthForm,
  signInAgainHref,
  STALE_FORM,
} from "@/lib/login/pages.ts";
import { page } from "@/lib/router/page.tsx";
import { InvitationConfirm, type InvitationPageData } from "@/components/login/InvitationConfirm.tsx";

const Answer = AuthForm.extend({ answer: z.enum(["accept", "later"]) });

/**
 * The step for the request's invitation, in the person's language; `outcome`: a stale form's message and status,
 * the page then shown as a reload would show it. Signed out (or no invitation): sign in first; an invitation
 * the person cannot accept: the picker says why.
 */
async function showStep(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  outcome: { error?: MessageKey; status?: number } = {},
): Promise<Response | PageResult<InvitationPageData>> {
  const signedIn = await liveBrowserSession(c, request.project.id);
  if (!signedIn || !request.invitation) {
    return c.redirect(signInAgainHref(c, query), 303);
  }
  try {
    const offer = await organizationInvitationOffer(
      c.var.deps.sql,
      request.project.id,
      request.invitation,
      signedIn.live.user_id,
    );
    const extra = outcome.error ? { error: outcome.error } : {};
    const data: InvitationPageData = { ...authPageData(c, request, query, extra), offer };
    return page(data, { title: MESSAGES[data.lang].orgInviteTitle, lang: data.lang, status: outcome.status });
  } catch (error) {
    return c.redirect(pickerHref(request, pickLang(c), invitationRefusal(error)), 303);
  }
}

/**
 * /auth/invitation: "Join <organization>? Invited by <inviter> as <role>", asked of the signed-in person whose
 * sign-in carries an invitation they could accept (lib/login/organization_step.ts sends them here). Accept joins
 * and makes the organization the active one; Not now goes on without joining and leaves the invitation open.
 * A sign-in link carrying an invitation is anyone's to send, so nobody joins without answering this form (CSRF
 * checked).
 */
export const handler: Handlers<InvitationPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    return await showStep(c, request, query);
  },

  async POST(c) {
    const posted = await readAuthForm(
      c,
      Answer,
      "orgInviteTitle",
      (request, query) => showStep(c, request, query, STALE_FORM),
    );
    if (!("again" in posted)) return posted;
    const { form, request, query } = posted;
    const signedIn = await liveBrowserSession(c, request.project.id);
    // The session ended meanwhile, or lacks a factor this request needs: sign in (or step up) again first.
    if (!signedIn || mfaOwed(request.project, request.acrValues, signedIn.live.amr) || !request.invitation) {
      return c.redirect(signInAgainHref(c, query), 303);
    }
    const { session, live } = signedIn;
    // Not now: the sign-in goes on as if the link carried no invitation, which stays open.
    let organization = request.organization;
    if (form.answer === "accept") {
      try {
        const { sql } = c.var.deps;
        const membership = await acceptOrganizationInvitation(
          sql,
          request.project.id,
          request.invitation,
          live.user_id,
        );
        organization = membership.organization_id;
      } catch (error) {
        return c.redirect(pickerHref(request, pickLang(c), invitationRefusal(error)), 303);
      }
    }
    return await finishSignIn(
      c,
      { ...request, invitation: undefined, organization },
      query,
      live.user_id,
      session,
      {
        amr: live.amr,
        authTime: new Date(live.auth_time * 1000),
      },
    );
  },
};

export default function Invitation({ data }: PageProps<InvitationPageData>) {
  return <InvitationConfirm data={data} />;
}

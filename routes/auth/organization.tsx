import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps, PageResult } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import { joinOrganizationByDomain, userOrganizations } from "@/db/organizations.ts";
import { finishSignIn, liveBrowserSession } from "@/lib/login/flow.ts";
import { mfaOwed } from "@/lib/login/factors/policy.ts";
import { type AuthorizeRequest, requestQuery } from "@/lib/login/authorize_request.ts";
import { organizationRequired } from "@/lib/login/organization_step.ts";
import { type MessageKey, MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { toAppError } from "@/lib/http/errors.ts";
import {
  AuthForm,
  authorizeRequest,
  authPageData,
  langHref,
  readAuthForm,
  signInAgainHref,
  STALE_FORM,
} from "@/lib/login/pages.ts";
import { page } from "@/lib/router/page.tsx";
import { type OrganizationPageData, OrganizationPicker } from "@/components/login/OrganizationPicker.tsx";

/** The picker's `error` parameter, set by lib/login/organization_step.ts or a failed join, and what it says. */
const PICKER_ERRORS: Record<string, MessageKey> = {
  not_member: "orgNotMember",
  join_failed: "orgJoinFailed",
  invitation_wrong_account: "orgInviteWrongAccount",
  invitation_unknown: "orgInviteUnknown",
  invitation_unusable: "orgInviteUnusable",
  invitation_full: "orgInviteFull",
  invitation_unverified: "orgInviteUnverified",
};

/** The picker again, for the posted request, in the person's language. */
const pickerAgainHref = (c: Ctx, query: URLSearchParams) =>
  langHref("/auth/organization", requestQuery(query), pickLang(c));

const Choice = AuthForm.extend({
  organization: z.string().regex(/^(org_[a-z2-7]{24})?$/).optional(),
  join: z.string().regex(/^org_[a-z2-7]{24}$/).optional(),
});

/**
 * The picker with the person's organizations, saying `error` (with `status`: a stale form's, shown as a reload
 * would show it); without a live session, sign in first.
 */
async function showPicker(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  error?: MessageKey,
  status?: number,
): Promise<Response | PageResult<OrganizationPageData>> {
  const signedIn = await liveBrowserSession(c, request.project.id);
  if (!signedIn) return c.redirect(signInAgainHref(c, query), 303);
  const organizations = await userOrganizations(c.var.deps.sql, request.project.id, signedIn.live.user_id);
  const data = authPageData(c, request, query, error ? { error } : {});
  const picker: OrganizationPageData = { ...data, organizations, required: organizationRequired(request) };
  return page(picker, { title: MESSAGES[data.lang].orgPickTitle, lang: data.lang, status });
}

/**
 * /auth/organization: the signed-in person chooses the organization the app's tokens name (issue 28 item 2).
 * Reached from lib/login/organization_step.ts with the authorization request; without a live session it sends
 * the person to sign in first.
 */
export const handler: Handlers<OrganizationPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    return await showPicker(c, request, query, PICKER_ERRORS[query.get("error") ?? ""]);
  },

  async POST(c) {
    const posted = await readAuthForm(
      c,
      Choice,
      "orgPickTitle",
      (request, query) => showPicker(c, request, query, STALE_FORM.error, STALE_FORM.status),
    );
    if (!("again" in posted)) return posted;
    const { form, request, query } = posted;
    const signedIn = await liveBrowserSession(c, request.project.id);
    if (!signedIn || mfaOwed(request.project, request.acrValues, signedIn.live.amr)) {
      return c.redirect(signInAgainHref(c, query), 303);
    }
    const { session, live } = signedIn;
    if (form.join) {
      try {
        await joinOrganizationByDomain(c.var.deps.sql, request.project.id, form.join, live.user_id);
        return c.redirect(pickerAgainHref(c, query), 303);
      } catch (error) {
        const code = toAppError(error).code;
        if (!["conflict", "organization_full", "forbidden", "not_found"].includes(code)) throw error;
        return c.redirect(
          `${pickerAgainHref(c, query)}&error=join_failed`,
          303,
        );
      }
    }
    const organization = form.organization ?? "";
    if (organization === "" && organizationRequired(request)) {
      return c.redirect(pickerAgainHref(c, query), 303);
    }
    return await finishSignIn(c, { ...request, organization }, query, live.user_id, session, {
      amr: live.amr,
      authTime: new Date(live.auth_time * 1000),
    });
  },
};

export default function Organization({ data }: PageProps<OrganizationPageData>) {
  return <OrganizationPicker data={data} />;
}

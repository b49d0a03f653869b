/**
 * The organization step of a sign-in (issue 28 item 2): a person in organizations chooses the active one before
 * the app gets its code. The app may preselect one (`organization=`), and a project may require one
 * (settings.organization_required); prompt=none never shows the picker. An invitation the request carries is
 * never accepted unasked: the person answers "Join …?" first (routes/auth/invitation.tsx), since anyone may send
 * them a sign-in link carrying an invitation to an organization of their own.
 */
import type { Ctx } from "../app_env.ts";
import { organizationInvitationOffer, userOrganizations } from "@/db/organizations.ts";
import { type ErrorCode, toAppError } from "../http/errors.ts";
import { authorizeQuery, type AuthorizeRequest, redirectTo } from "./authorize_request.ts";
import { type Lang, pickLang } from "./i18n.ts";
import { langHref } from "./pages.ts";

/** Whether the project makes every sign-in choose an organization. */
export const organizationRequired = (request: AuthorizeRequest) =>
  request.project.settings.organization_required === true;

/** Why an invitation cannot be accepted, by error code, as the picker's `error` parameter (i18n.ts says it). */
const INVITATION_ERRORS: Partial<Record<ErrorCode, string>> = {
  forbidden: "invitation_wrong_account",
  not_found: "invitation_unknown",
  conflict: "invitation_unusable",
  organization_full: "invitation_full",
  email_unverified: "invitation_unverified",
};

/** The picker's `error` for an invitation refused by its offer or its acceptance; anything else is rethrown. */
export function invitationRefusal(error: unknown): string {
  const refusal = INVITATION_ERRORS[toAppError(error).code];
  if (refusal === undefined) throw error;
  return refusal;
}

/**
 * The picker in the person's language, saying why (an `error` parameter of routes/auth/organization.tsx), or
 * not. Without the request's invitation: the picker comes after it was refused or put off, and carrying it would
 * offer it again on the picker's way out.
 */
export const pickerHref = (request: AuthorizeRequest, lang: Lang, error?: string) =>
  `${langHref("/auth/organization", authorizeQuery({ ...request, invitation: undefined }), lang)}${
    error ? `&error=${error}` : ""
  }`;

/** The "Join …?" step for the request's invitation (the whole request: the organization the app asked for too). */
const invitationHref = (request: AuthorizeRequest, lang: Lang) =>
  langHref("/auth/invitation", authorizeQuery(request), lang);

/** Where a sign-in goes on: a code naming `organization` (maybe none), or `redirect` (the picker, an app error). */
export type OrganizationDecision = { organization?: string } | { redirect: string };

/**
 * Before a code is issued: an invitation in the request that the person could accept sends them to the "Join
 * …?" step (one they cannot accept: the picker says why); when the person must or may choose an organization and
 * none is chosen yet, they go to the picker. Their session starts first, so the caller issues no code then.
 */
export async function decideOrganization(
  c: Ctx,
  request: AuthorizeRequest,
  userId: string,
): Promise<OrganizationDecision> {
  let refusal: string | undefined;
  if (request.invitation) {
    try {
      await organizationInvitationOffer(c.var.deps.sql, request.project.id, request.invitation, userId);
      if (request.prompt !== "none") {
        return { redirect: invitationHref(request, pickLang(c)) };
      }
      return {
        redirect: redirectTo(request, c.var.deps.config.baseUrl, {
          error: "interaction_required",
          error_description:
            "The person has to accept the organization invitation, which prompt=none does not allow.",
        }),
      };
    } catch (error) {
      refusal = invitationRefusal(error);
    }
  }
  const redirect = await pickerStep(c, request, userId, refusal);
  return redirect === null ? { organization: request.organization || undefined } : { redirect };
}

/** Where the picker (or the app's error for prompt=none) is, when one is needed; null to go on. */
async function pickerStep(
  c: Ctx,
  request: AuthorizeRequest,
  userId: string,
  invitationError?: string,
): Promise<string | null> {
  // "": the person chose no organization on the picker. A self-registered client gets no organization.
  if (request.organization === "" || request.thirdParty) return null;
  const { sql, config } = c.var.deps;
  const mine = await userOrganizations(sql, request.project.id, userId);
  const required = organizationRequired(request);
  const asked = request.organization;
  if (
    asked !== undefined &&
    mine.memberships.some((m) => m.organization_id === asked || m.organization_slug === asked)
  ) {
    return null;
  }
  const none = mine.memberships.length === 0 && mine.joinable.length === 0;
  if (asked === undefined && !required && none && !invitationError) return null;
  if (request.prompt === "none") {
    if (asked === undefined && !required) return null;
    return redirectTo(request, config.baseUrl, {
      error: asked === undefined ? "interaction_required" : "access_denied",
      error_description: asked === undefined
        ? "This app needs the person to choose an organization, which prompt=none does not allow."
        : "The person is not a member of the organization this app asked for.",
    });
  }
  return pickerHref(
    request,
    pickLang(c),
    invitationError ?? (asked === undefined ? undefined : "not_member"),
  );
}

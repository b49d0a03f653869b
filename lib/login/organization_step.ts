/**
 * The organization step of a sign-in (issue 28 item 2): a person in organizations chooses the active one before
 * the app gets its code. The app may preselect one (`organization=`), and a project may require one
 * (settings.organization_required); prompt=none never shows the picker.
 */
import type { Ctx } from "../app_env.ts";
import { acceptOrganizationInvitation, userOrganizations } from "@/db/organizations.ts";
import { toAppError } from "../http/errors.ts";
import { type AuthorizeRequest, redirectTo } from "./authorize_request.ts";

/** The authorization request as a query string again, from its parsed form (the picker's link carries it). */
export function authorizeQuery(request: AuthorizeRequest): string {
  const params = new URLSearchParams();
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined && value !== "") params.set(name, String(value));
  };
  set("client_id", request.clientId);
  set("redirect_uri", request.redirectUri);
  set("response_type", "code");
  set("state", request.state);
  set("scope", request.scope);
  set("code_challenge", request.codeChallenge);
  if (request.codeChallenge) set("code_challenge_method", "S256");
  set("nonce", request.nonce);
  set("resource", request.resource);
  set("acr_values", request.acrValues);
  set("max_age", request.maxAge);
  return params.toString();
}

/** Whether the project makes every sign-in choose an organization. */
export const organizationRequired = (request: AuthorizeRequest) =>
  request.project.settings.organization_required === true;

/** Why an invitation could not be accepted, as the picker's `error` parameter (lib/login/i18n.ts says it). */
export const INVITATION_ERRORS = {
  forbidden: "invitation_wrong_account",
  not_found: "invitation_unknown",
  conflict: "invitation_unusable",
} as const;

/** Where a sign-in goes on: a code naming `organization` (maybe none), or `redirect` (the picker, an app error). */
export type OrganizationDecision = { organization?: string } | { redirect: string };

/**
 * Before a code is issued: an invitation in the request is accepted (its organization becomes the active one);
 * when the person must or may choose an organization and none is chosen yet, they go to the picker (their
 * session starts first, so the caller issues no code then).
 */
export async function decideOrganization(
  c: Ctx,
  request: AuthorizeRequest,
  userId: string,
): Promise<OrganizationDecision> {
  const chosen = await acceptedInvitation(c, request, userId);
  if (typeof chosen === "string") return { organization: chosen };
  const redirect = await pickerStep(c, request, userId, chosen?.error);
  return redirect === null ? { organization: request.organization || undefined } : { redirect };
}

/** The invitation's organization once accepted, or why it was not (the picker says so); null without one. */
async function acceptedInvitation(c: Ctx, request: AuthorizeRequest, userId: string) {
  if (!request.invitation) return null;
  try {
    const membership = await acceptOrganizationInvitation(
      c.var.deps.sql,
      request.project.id,
      request.invitation,
      userId,
    );
    return membership.organization_id;
  } catch (error) {
    const { code, description } = toAppError(error);
    if (!(code in INVITATION_ERRORS)) throw error;
    const full = code === "conflict" && /seat/.test(description);
    // The invited address, not yet confirmed (api.accept_organization_invitation's "Confirm … first").
    if (code === "forbidden" && /^Confirm /.test(description)) return { error: "invitation_unverified" };
    return { error: full ? "invitation_full" : INVITATION_ERRORS[code as keyof typeof INVITATION_ERRORS] };
  }
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
  const error = invitationError ?? (asked === undefined ? undefined : "not_member");
  return `/auth/organization?${authorizeQuery(request)}${error ? `&error=${error}` : ""}`;
}

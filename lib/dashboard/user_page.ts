/** Loading one user's dashboard page, for its GET and for the forms on it. */
import { userMetadata } from "@/db/user_metadata.ts";
import { isUserId } from "../http/user_id.ts";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getProject } from "@/db/projects.ts";
import { tokenClaims } from "@/db/users.ts";
import { currentSubscription, listPlans } from "@/db/plans.ts";
import {
  getEnvironmentUser,
  listLoginSessions,
  type SignInMethod,
  signInMethods,
  timeZones,
  userOwnClaims,
} from "@/db/user_admin.ts";
import { listAudit } from "@/db/project_logs.ts";
import { userFactors } from "@/db/factors.ts";
import { userPasskeys } from "@/db/passkeys.ts";
import { userConsents } from "@/db/consents.ts";
import { userBilling } from "@/db/user_billing.ts";
import type { UserViewData } from "./page_data.ts";
import { frameOf } from "./frame.ts";
import { AppError } from "../http/errors.ts";
import { type AfterCommit, formAction, type FormBody, type Loader } from "./form_action.ts";
import { allows } from "./access.ts";
import { maskPhone } from "../phone/number.ts";
import type { PageResult } from "../router/page.tsx";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { USER_TEXT } from "./text/user.ts";

/** How many of the user's audit entries their page shows (the audit page has the rest). */
export const USER_AUDIT_ROWS = 20;

/** What each `?done=` after a user-page form says (its words: lib/dashboard/text/user.ts). */
const USER_DONE_NOTICES = {
  plan_assigned: "planAssigned",
  disabled: "userDisabled",
  enabled: "userEnabled",
  profile_saved: "profileSaved",
  email_saved: "emailSaved",
  claims_saved: "claimsSaved",
  metadata_saved: "metadataSaved",
  identity_unlinked: "identityUnlinked",
  password_reset_sent: "passwordResetSent",
  signed_out: "signedOut",
  session_ended: "sessionEnded",
  factors_reset: "factorsReset",
  factors_reset_unmailed: "factorsResetUnmailed",
  factors_none: "factorsNone",
  subscription_canceled: "subscriptionCanceled",
  subscription_resumed: "subscriptionResumed",
  trial_started: "trialStarted",
  method_unlinked: "methodUnlinked",
  consent_revoked: "consentRevoked",
  passkey_removed: "passkeyRemoved",
  passkey_removed_unmailed: "passkeyRemovedUnmailed",
} as const;

/** A phone way in shows its number masked, as sign-in pages show it: the list is about how, not which. */
async function maskedNumbers(methods: SignInMethod[]): Promise<SignInMethod[]> {
  return await Promise.all(
    methods.map(async (m) => m.phone_number ? { ...m, phone_number: await maskPhone(m.phone_number) } : m),
  );
}

/** The `:sub` in the URL, or not_found. */
export function userIdOf(c: Ctx): string {
  const sub = c.req.param("sub") ?? "";
  if (!isUserId(sub)) throw new AppError("not_found");
  return sub;
}

/**
 * The user page's data. The user must belong to the project's current environment: a production page
 * never shows a sandbox user (404), and vice versa. `refills`: a refused form (the profile's) is shown again
 * with what it posted and its messages beside its fields.
 */
export function userView(c: Ctx, refills = false): Loader<UserViewData> {
  return async (tx: Tx, role: MemberRole, projectId: string, extra, posted) => {
    const userId = userIdOf(c);
    const user = await getEnvironmentUser(tx, projectId, userId);
    const state = await currentSubscription(tx, projectId, userId);
    return {
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      role,
      user,
      plan: state.plan,
      subscription: state.subscription,
      history: state.history,
      plans: await listPlans(tx, projectId),
      claims: user.disabled ? null : await tokenClaims(tx, projectId, userId),
      ownClaims: await userOwnClaims(tx, projectId, userId),
      metadata: await userMetadata(tx, projectId, userId),
      methods: await maskedNumbers(await signInMethods(tx, projectId, userId)),
      sessions: await listLoginSessions(tx, projectId, userId),
      factors: await userFactors(tx, projectId, userId),
      passkeys: await userPasskeys(tx, projectId, userId),
      audit: await listAudit(tx, projectId, { filters: { user: userId }, size: USER_AUDIT_ROWS }),
      consents: await userConsents(tx, userId),
      billing: await userBilling(tx, projectId, userId),
      // The profile form's zone choices, for those who may post it.
      timeZones: allows(role, "admin") ? await timeZones(tx) : [],
      notice: doneNotice(USER_TEXT[dashboardLang(c)], USER_DONE_NOTICES, c.req.query("done")),
      ...(extra.error
        ? { error: extra.error, fieldErrors: extra.fields, draft: refills ? posted : undefined }
        : {}),
    };
  };
}

/**
 * A form on the user page (admins only): the user must be in the project's current environment, then `run`
 * does one thing with the parsed `body` and names the `?done=` key; a refusal re-renders the page with 422
 * (`refills`: with what was posted, and the messages beside the form's fields).
 */
export function userAction<B>(
  c: Ctx,
  body: FormBody<B>,
  run: (
    tx: Tx,
    projectId: string,
    userId: string,
    form: B,
  ) => Promise<string | AfterCommit<string | UserViewData>>,
  refills = false,
): Promise<Response | PageResult<UserViewData>> {
  const userId = userIdOf(c);
  return formAction<UserViewData, B>(c, {
    needed: "admin",
    back: `/dashboard/projects/${c.req.param("id")}/users/${userId}`,
    body,
    load: userView(c, refills),
    fieldsBesideInputs: refills,
    run: async (tx, projectId, _role, form) => {
      // Another environment's user: refused here, and the re-render's load answers 404.
      await getEnvironmentUser(tx, projectId, userId);
      return await run(tx, projectId, userId, form);
    },
    title: (data) => data.user.email ?? data.user.phone_number ?? data.user.id,
  });
}

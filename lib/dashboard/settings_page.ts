/** Loading a project's Settings page, for its GET and for the forms on it (each re-renders it on refusal). */
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getProject } from "@/db/projects.ts";
import { xenditKeys } from "@/db/payments.ts";
import { phoneProviderCredentials } from "@/db/phone_providers.ts";
import { tokenLifetimeLimits } from "@/db/project_settings.ts";
import { listLogouts } from "@/db/backchannel_logouts.ts";
import { listRevocations as listAppleRevocations } from "@/db/apple_revocations.ts";
import type { SettingsData, SocialState } from "./page_data.ts";
import { deploymentProviders, type ProviderId, PROVIDERS } from "../login/social/providers.ts";
import { hasLiveDeploymentXendit } from "../payments/accounts.ts";
import { ATTEMPTS } from "../login/flow.ts";
import { CLIENT_FAILURES } from "../oauth/authenticate_client.ts";
import type { PageResult } from "../router/page.tsx";
import { formAction, type FormBody } from "./form_action.ts";
import { frameOf } from "./frame.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { SETTINGS_TEXT } from "./text/settings.ts";

/** What each `?done=` after a settings form says. */
const SETTINGS_DONE_NOTICES = {
  origins_saved: "originsSaved",
  lifetimes_saved: "lifetimesSaved",
  verification_saved: "verificationSaved",
  initiate_login_saved: "initiateLoginSaved",
  logout_saved: "logoutSaved",
  dpop_saved: "dpopSaved",
  sign_in_methods_saved: "signInMethodsSaved",
  sign_up_saved: "signUpSaved",
  guests_saved: "guestsSaved",
  bot_protection_saved: "botProtectionSaved",
  mfa_saved: "mfaSaved",
  social_saved: "socialSaved",
  mail_saved: "mailSaved",
  xendit_saved: "xenditSaved",
  xendit_removed: "xenditRemoved",
  linked_methods_saved: "linkedMethodsSaved",
  billing_days_saved: "billingDaysSaved",
  duplicate_refunds_saved: "duplicateRefundsSaved",
  phone_provider_saved: "phoneProviderSaved",
  phone_provider_removed: "phoneProviderRemoved",
} as const;

/** The rate-limit profiles, from the constants the hosted login and client authentication enforce. */
export function rateLimitProfiles(): SettingsData["rateLimits"] {
  return {
    signIn: {
      sandbox: ATTEMPTS.sandbox,
      production: ATTEMPTS.production,
      windowSeconds: ATTEMPTS.windowSeconds,
    },
    clientAuth: CLIENT_FAILURES,
  };
}

function socialState(c: Ctx, settings: Record<string, unknown>, provider: ProviderId): SocialState {
  const social = (settings.social_login ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const own = social[provider];
  if (own?.enabled === false) return { state: "off" };
  if (typeof own?.client_id === "string" && (own.client_secret_sealed || own.private_key_sealed)) {
    return {
      state: "own",
      clientId: own.client_id,
      ...(provider === "apple" ? { teamId: String(own.team_id), keyId: String(own.key_id) } : {}),
      ...(provider === "microsoft" ? { tenant: typeof own.tenant === "string" ? own.tenant : "common" } : {}),
    };
  }
  return { state: deploymentProviders(c.var.deps.config).includes(provider) ? "deployment" : "unavailable" };
}

export async function settingsView(
  c: Ctx,
  tx: Tx,
  projectId: string,
  role: MemberRole,
  extra: { error?: string } = {},
): Promise<SettingsData> {
  const project = await getProject(tx, projectId);
  const keys = async (environment: "sandbox" | "production") =>
    (await xenditKeys(tx, projectId, environment)) !== null;
  return {
    frame: frameOf(c),
    project,
    role,
    isConsole: c.var.deps.consoleClient.projectId === projectId,
    baseUrl: c.var.deps.config.baseUrl,
    limits: await tokenLifetimeLimits(tx),
    xendit: { sandbox: await keys("sandbox"), production: await keys("production") },
    deploymentLiveXendit: hasLiveDeploymentXendit(c.var.deps.config),
    mailFromDomains: c.var.deps.config.mailFromDomains,
    social: Object.fromEntries(PROVIDERS.map((p) => [p, socialState(c, project.settings, p)])) as Record<
      ProviderId,
      SocialState
    >,
    phoneProviders: (await phoneProviderCredentials(tx, projectId)).map(({ provider, hint, updated_at }) => ({
      provider,
      hint,
      updated_at,
    })),
    rateLimits: rateLimitProfiles(),
    recentLogouts: await listLogouts(tx),
    appleRevocations: await listAppleRevocations(tx, 10),
    notice: doneNotice(SETTINGS_TEXT[dashboardLang(c)], SETTINGS_DONE_NOTICES, c.req.query("done")),
    ...extra,
  };
}

/**
 * Runs a settings form's action, given the form `body` parsed, for a member with at least `needed`: a `?done=`
 * key redirects back to the Settings page (or `back`), a refusal (of the body too) re-renders it with 422.
 */
export function settingsAction<B>(
  c: Ctx,
  needed: MemberRole,
  body: FormBody<B>,
  action: (tx: Tx, projectId: string, form: B) => Promise<string>,
  back = `/dashboard/projects/${c.req.param("id")}/settings`,
): Promise<Response | PageResult<SettingsData>> {
  return formAction<SettingsData, B>(c, {
    needed,
    back,
    body,
    load: (tx, role, projectId, extra) => settingsView(c, tx, projectId, role, extra),
    run: (tx, projectId, _role, form) => action(tx, projectId, form),
    title: (data) => `${SETTINGS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
  });
}

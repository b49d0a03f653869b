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
import { formAction } from "./form_action.ts";
import { frameOf } from "./frame.ts";

/** What each `?done=` after a settings form says. */
export const SETTINGS_DONE_MESSAGES: Record<string, string> = {
  origins_saved: "Allowed origins saved.",
  lifetimes_saved: "Lifetimes saved: new tokens and new sign-ins use them.",
  verification_saved: "Email verification policy saved.",
  initiate_login_saved:
    "Initiate-login URI saved: mailed resets and waitlist approvals start sign-ins there.",
  logout_saved: "Sign-out settings saved: the sign-out page and the next logout tokens use them.",
  dpop_saved: "DPoP policy saved: the next token request of every client follows it.",
  sign_in_methods_saved: "Ways to sign in saved: the sign-in page offers them now.",
  sign_up_saved: "Sign-ups saved: the hosted login applies them to the next account created.",
  guests_saved: "Guests saved: the next anonymous sign-in follows them.",
  bot_protection_saved: "Bot protection saved (the secret key is sealed and not shown again).",
  mfa_saved: "Second-factor policy saved: it applies from each person's next sign-in.",
  social_saved: "Social sign-in saved.",
  mail_saved: "Mail settings saved: mail queued from now on uses them.",
  xendit_saved: "Xendit keys saved (sealed; they are not shown again).",
  xendit_removed: "Xendit keys removed.",
  linked_methods_saved: "Automatic renewal saved: it applies from the next renewal pass.",
  billing_days_saved: "Renewal and trial days saved: the next billing pass uses them.",
  phone_provider_saved: "Phone provider saved (sealed; it is not shown again): this project's codes use it.",
  phone_provider_removed: "Phone provider removed: this project's codes use the deployment's.",
};

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
    notice: SETTINGS_DONE_MESSAGES[c.req.query("done") ?? ""],
    ...extra,
  };
}

/**
 * Runs a settings form's action for a member with at least `needed`: a `?done=` key redirects back to the
 * Settings page (or `back`), a refusal re-renders it with 422.
 */
export function settingsAction(
  c: Ctx,
  needed: MemberRole,
  action: (tx: Tx, projectId: string) => Promise<string>,
  back = `/dashboard/projects/${c.req.param("id")}/settings`,
): Promise<Response | PageResult<SettingsData>> {
  return formAction<SettingsData>(c, {
    needed,
    back,
    load: (tx, role, projectId, extra) => settingsView(c, tx, projectId, role, extra),
    run: (tx, projectId) => action(tx, projectId),
    title: (data) => `Settings · ${data.project.name}`,
  });
}

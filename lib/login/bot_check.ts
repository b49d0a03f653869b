/**
 * Bot protection on the hosted login (docs/hosted-login.md#bot-protection): a project's `settings.bot_protection`
 * puts a Cloudflare Turnstile or hCaptcha challenge on the forms it lists, and each POST of such a form has its
 * response token checked with the provider's siteverify endpoint before anything else happens (no account is
 * looked up, no password checked, no mail sent), so every attempt costs an attacker a solved challenge.
 *
 * When the provider does not answer, sign-in lets the person through (with a log line and a counted
 * `unavailable`): the password and its lockout still stand, and an outage elsewhere must not lock every user
 * out of every app. Sign-up (and the waitlist), "forgot", the emailed code, the phone code, the passkey sign-up's
 * code and "send the link again" refuse (503): they create accounts or send messages (a WhatsApp or SMS message
 * costs the project money: SMS pumping), what the check exists to stop, and a person can try again in a minute —
 * as Supabase Auth refuses when its captcha verification fails. The secret key is sealed under the master key and never logged, nor is the token.
 */
import { z } from "zod";
import type { Ctx, Deps } from "@/lib/app_env.ts";
import { open, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";
import { contentSecurityPolicyWith } from "@/lib/http/middleware.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { formToObject, readText } from "@/lib/http/body.ts";
import { log } from "@/lib/http/log.ts";
import { countBotCheck } from "@/lib/metrics/metrics.ts";
import type { MessageKey } from "./i18n.ts";
import { passwordsEnabled } from "./passwords_setting.ts";
import { emailCodesEnabled } from "./email_codes.ts";
import { passkeySignUp } from "./passkeys/settings.ts";
import { siteverify, type Verdict } from "./bot_siteverify.ts";

export const BOT_CHECK_PROVIDERS = ["turnstile", "hcaptcha"] as const;
export type BotCheckProvider = typeof BOT_CHECK_PROVIDERS[number];
export const BOT_CHECK_FORMS = [
  "sign_up",
  "sign_in",
  "forgot",
  "email_code",
  "phone",
  "passkey_sign_up",
  "resend",
  "anonymous",
] as const;
export type BotCheckForm = typeof BOT_CHECK_FORMS[number];

/** A widget size the page asks for (`data-size`) and the CSS pixels its provider documents for it. */
type BotWidgetSize = "normal" | "compact";

/**
 * What the page needs of each provider: its script, the widget's class, the field it posts, CSP origins, and
 * its widget's sizes (static/styles.css keeps their places, static/bot_check_size.js picks one).
 */
export const PROVIDER_PAGE: Record<
  BotCheckProvider,
  {
    name: string;
    script: string;
    widget: string;
    field: string;
    origins: string[];
    styles: string[];
    sizes: Record<BotWidgetSize, { width: number; height: number }>;
  }
> = {
  turnstile: {
    name: "Cloudflare Turnstile",
    script: "https://challenges.cloudflare.com/turnstile/v0/api.js",
    widget: "cf-turnstile",
    field: "cf-turnstile-response",
    origins: ["https://challenges.cloudflare.com"],
    styles: [],
    sizes: { normal: { width: 300, height: 65 }, compact: { width: 150, height: 140 } },
  },
  hcaptcha: {
    name: "hCaptcha",
    script: "https://js.hcaptcha.com/1/api.js",
    widget: "h-captcha",
    field: "h-captcha-response",
    sizes: { normal: { width: 303, height: 78 }, compact: { width: 164, height: 144 } },
    // hCaptcha's documented CSP: its script, frames, calls and styles come from hcaptcha.com and subdomains.
    origins: ["https://hcaptcha.com", "https://*.hcaptcha.com"],
    styles: ["https://hcaptcha.com", "https://*.hcaptcha.com"],
  },
};

// Postgres validated it (db/api/bot_protection.sql); anything else reads as off rather than a broken page.
const BotProtection = z.object({
  provider: z.enum(BOT_CHECK_PROVIDERS),
  site_key: z.string(),
  secret_key_sealed: z.string(),
  on: z.array(z.enum(BOT_CHECK_FORMS)),
});
export type BotProtection = z.infer<typeof BotProtection>;

type Project = { id: string; settings: Record<string, unknown> };

/** The project's bot protection, or null when it has none (the default). */
export function botProtectionOf(project: Pick<Project, "settings">): BotProtection | null {
  const parsed = BotProtection.safeParse(project.settings.bot_protection);
  return parsed.success ? parsed.data : null;
}

/**
 * The protected form a sign-in, sign-up or "forgot" page's form is: a password-free project's sign-in and sign-up
 * ask for an email and post it to /auth/email-code (email_code), or, on a passkeys-only project, its sign-up to
 * /auth/signup/passkey, which mails a code (passkey_sign_up); a passkeys-only sign-in and a closed "forgot" page
 * have no form a bot could repeat.
 */
export function formOfPage(project: Project, page: "sign_in" | "sign_up" | "forgot"): BotCheckForm | null {
  if (passwordsEnabled(project)) return page;
  if (page === "forgot") return null;
  if (page === "sign_up" && passkeySignUp(project)) return "passkey_sign_up";
  return emailCodesEnabled(project) ? "email_code" : null;
}

/** The widget a protected form shows: whose, with which site key, for which form (Turnstile's action). */
export type BotWidget = { provider: BotCheckProvider; siteKey: string; form: BotCheckForm };

/**
 * Whether `form` is protected; if so its page shows the widget (authPageData reads it, so a POST's page shown
 * again has it too) and this response's CSP admits the provider's origins — only on such a page.
 */
export function useBotCheck(
  c: Ctx,
  project: Pick<Project, "settings">,
  form: BotCheckForm | null,
): BotProtection | null {
  const setting = botProtectionOf(project);
  if (!form || !setting?.on.includes(form)) return null;
  admitProvider(c, setting);
  c.set("botCheck", { provider: setting.provider, siteKey: setting.site_key, form });
  return setting;
}

function admitProvider(c: Ctx, setting: BotProtection) {
  const page = PROVIDER_PAGE[setting.provider];
  c.header("content-security-policy", contentSecurityPolicyWith(page.origins, page.styles));
}

/**
 * The widget of "send the link again" (the form under a "check your email" notice, components/login/CheckEmail)
 * when the project protects `resend` and the page shows that form (`shown`); the page's CSP then admits the
 * provider. It sits beside the page's own form and its widget (sign-in's, on the same page), so it is the page
 * data's `resendBotCheck`, never the context's `botCheck`.
 */
export function useResendBotCheck(
  c: Ctx,
  project: Pick<Project, "settings">,
  shown: boolean,
): BotWidget | null {
  const setting = botProtectionOf(project);
  if (!shown || !setting?.on.includes("resend")) return null;
  admitProvider(c, setting);
  return { provider: setting.provider, siteKey: setting.site_key, form: "resend" };
}

/** Why a POST is refused before anything else, or null to go on. Call it first in each protected POST. */
export async function botCheckRefusal(
  c: Ctx,
  project: Project,
  form: BotCheckForm | null,
): Promise<{ error: MessageKey; status: number } | null> {
  const setting = useBotCheck(c, project, form);
  return setting && form ? await verdictRefusal(c, project, setting, form) : null;
}

/** botCheckRefusal for "send the link again", whose widget is not the page form's (useResendBotCheck). */
export async function resendCheckRefusal(
  c: Ctx,
  project: Project,
): Promise<{ error: MessageKey; status: number } | null> {
  const setting = botProtectionOf(project);
  return setting?.on.includes("resend") ? await verdictRefusal(c, project, setting, "resend") : null;
}

/**
 * The check of a guest's sign-in (POST /api/platform/anonymous), whose body the handler has read: the token
 * under the provider's field name (`cf-turnstile-response`, `h-captcha-response`) as on the hosted forms. An API
 * answers with the verdict, not a page: null (go on), "missing", "failed" or "unavailable" (refused as sign-up is).
 */
export async function anonymousBotVerdict(
  c: Ctx,
  project: Project,
  params: Record<string, unknown>,
): Promise<Exclude<Verdict, "passed"> | null> {
  const setting = botProtectionOf(project);
  if (!setting?.on.includes("anonymous")) return null;
  const verdict = await verdictOf(c, project, setting, "anonymous", params);
  return verdict === "passed" ? null : verdict;
}

async function verdictOf(
  c: Ctx,
  project: Project,
  setting: BotProtection,
  form: BotCheckForm,
  params: Record<string, unknown>,
): Promise<Verdict> {
  const posted = params[PROVIDER_PAGE[setting.provider].field];
  const token = typeof posted === "string" ? posted.trim() : "";
  const verdict: Verdict = token
    ? await verifyToken(c.var.deps, project.id, setting, token, clientAddress(c), form)
    : "missing";
  countBotCheck(setting.provider, verdict);
  return verdict;
}

async function verdictRefusal(
  c: Ctx,
  project: Project,
  setting: BotProtection,
  form: BotCheckForm,
): Promise<{ error: MessageKey; status: number } | null> {
  const verdict = await verdictOf(c, project, setting, form, formToObject(await readText(c)));
  if (verdict === "passed") return null;
  if (verdict === "missing") return { error: "botCheckMissing", status: 400 };
  if (verdict === "failed") return { error: "botCheckFailed", status: 403 };
  if (form === "sign_in") {
    // Fail open: the password and its lockout still stand (see the module's comment for why).
    log("warn", "bot_check_fail_open", { provider: setting.provider, form });
    return null;
  }
  return { error: "botCheckUnavailable", status: 503 };
}

async function verifyToken(
  deps: Pick<Deps, "config" | "masterKeys">,
  projectId: string,
  setting: BotProtection,
  token: string,
  remoteIp: string,
  form: BotCheckForm,
): Promise<Verdict> {
  let secret: string;
  try {
    const sealed = base64url.decode(setting.secret_key_sealed);
    secret = new TextDecoder().decode(
      await open(deps.masterKeys.social, sealed, botSecretContext(projectId, setting.provider)),
    );
  } catch {
    // Sealed under another master key: the check cannot be made, as when the provider is down.
    log("warn", "bot_check_secret_unreadable", { provider: setting.provider });
    return "unavailable";
  }
  const { config } = deps;
  return await siteverify({
    provider: setting.provider,
    url: config.botCheck.verifyUrls[setting.provider],
    timeoutMs: config.botCheck.timeoutMs,
    secret,
    token,
    remoteIp,
    siteKey: setting.site_key,
    hostname: new URL(config.baseUrl).hostname,
    action: form,
  });
}

/** Seals a secret key for `settings.bot_protection.secret_key_sealed`, bound to the project and provider. */
export async function sealBotSecret(
  key: CryptoKey,
  projectId: string,
  provider: BotCheckProvider,
  secret: string,
): Promise<string> {
  return base64url.encode(
    await seal(key, new TextEncoder().encode(secret), botSecretContext(projectId, provider)),
  );
}

/** What a project's bot-protection secret key is sealed for. */
export function botSecretContext(projectId: string, provider: BotCheckProvider): string {
  return `astapa bot_protection ${projectId} ${provider} secret_key`;
}

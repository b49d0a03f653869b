import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import type { AuthorizationClient } from "@/db/login.ts";
import { confirmEmail, type Kept, type VerificationLink, verificationLink } from "@/db/email_verification.ts";
import { requestClient } from "@/lib/login/authorization_clients.ts";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { readBody } from "@/lib/http/body.ts";
import { csrfToken, formAccepted, readSession } from "@/lib/login/browser.ts";
import { type Lang, type MessageKey, MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";
import { countAttempt, signInWait } from "@/lib/login/flow.ts";
import { verifyAnyPassword } from "@/lib/import/verify_hash.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { useBrand } from "@/lib/branding/use_brand.ts";
import {
  AuthorizeRedirectError,
  type AuthorizeRequest,
  parseAuthorizeRequest,
} from "@/lib/login/authorize_request.ts";
import { afterFirstFactor, type Onward, onwardHref } from "@/lib/login/factors/step.ts";
import { passkeysEnabled } from "@/lib/login/passkeys/settings.ts";
import { requiresVerifiedEmail } from "@/lib/login/verification.ts";
import { ownCallbacks } from "@/lib/login/pages.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { ConfirmEmailForm, type ConfirmQuestion } from "@/components/login/ConfirmEmailForm.tsx";

const VerifyForm = z.object({
  csrf: z.string().max(100),
  token: z.string().max(100),
  action: z.enum(["confirm", "not_mine"]),
  password: z.string().max(1024).default(""),
});

type Outcome = "confirmed" | "claimed" | "expired";
const HEADINGS: Record<Outcome, MessageKey> = {
  confirmed: "verifiedTitle",
  claimed: "claimedTitle",
  expired: "linkExpired",
};
type VerifyData = {
  lang: Lang;
  appName: string;
  /** The question with its forms, or what became of the link. */
  ask?: ConfirmQuestion;
  outcome?: Outcome;
  /** After confirming: back into the sign-up's own authorization request. */
  continueHref?: string;
  /** After taking the account: the way to a password of one's own. */
  passwordHref?: string;
  /** The same page in the other language. */
  switchHref: string;
};

/**
 * The mailed confirmation link. Opening it changes nothing (mail scanners open every link): the page asks. The
 * person who signed up confirms with the account's password (or from a browser signed in to the account), which
 * keeps the account as it is; whoever holds the mailbox and did not sign up takes the account instead, as a
 * reset link would (docs/security.md, "Pre-account hijacking"). Either answer uses the link once, then redirects
 * to the outcome, so a reload or the language switch does not present the used token again.
 */
export const handler: Handlers<VerifyData> = {
  async GET(c) {
    const client = await linkClient(c);
    const shown = c.req.query("confirmed");
    if (shown === "1") return outcomePage(c, client, "confirmed");
    if (shown === "claimed") return outcomePage(c, client, "claimed");
    const token = c.req.query("token") ?? "";
    const session = readSession(c, client.project_id);
    const link = token ? await verificationLink(c.var.deps.sql, client.project_id, token, session) : null;
    if (!link) return outcomePage(c, client, "expired");
    return askPage(c, client, token, link);
  },

  async POST(c) {
    const form = await readBody(c, VerifyForm, ["form"]);
    const client = await linkClient(c);
    const { sql } = c.var.deps;
    // Around the argon2 check: before it, one read (api.confirmation_question) and, for a password, the lockout's
    // wait — its buckets are keyed by the email only that read names, built in TS in one shape with the sign-in
    // page's. After it, api.confirm_email, then the shared first-factor step (afterFirstFactor) in a transaction
    // of its own: the address stays confirmed when that sign-in cannot start (a reset or disable in between).
    const session = readSession(c, client.project_id);
    const link = await verificationLink(sql, client.project_id, form.token, session);
    if (!link) return outcomePage(c, client, "expired");
    const again = (error: MessageKey, status: number, waitSeconds?: number) =>
      askPage(c, client, form.token, link, { error, waitSeconds }, status);
    if (!formAccepted(c, form.csrf)) return again("staleForm", 403);
    let kept: Kept = null;
    if (form.action === "confirm" && session && link.signed_in) kept = { sessionToken: session };
    else if (form.action === "confirm" && link.password_hash) {
      // Throttled as a sign-in is: the page checks the account's password.
      const project = {
        id: client.project_id,
        name: client.name,
        mode: client.mode,
        settings: client.settings,
      };
      if (!form.password) return again("passwordNeeded", 422);
      const wait = await signInWait(c, project, link.email, "password");
      if (wait > 0) return again("tooMany", 429, wait);
      if (!await verifyAnyPassword(link.password_hash, form.password)) {
        await countAttempt(c, project, link.email, "sign_in.failed");
        return again("wrongPassword", 422);
      }
      kept = { passwordHash: link.password_hash };
    }
    const notice = claimNotice(pickLang(c), c.var.brand!.name, "verify_link", client.settings);
    try {
      await confirmEmail(sql, client.project_id, form.token, kept, notice);
    } catch (error) {
      const code = toAppError(error).code;
      if (code === "invalid_grant") return outcomePage(c, client, "expired");
      // The password was changed (or the session ended) between the check and the confirmation.
      if (code === "credentials_changed") return again("wrongPassword", 422);
      throw error;
    }
    if (kept) {
      return await signInOnward(c, kept, link.user_id, passkeyOffer(client, link)) ??
        c.redirect(outcomeHref(c, "confirmed", pickLang(c)), 303);
    }
    // A confirmation without a password (an account that has none) claims too, and reads as confirmed.
    return c.redirect(outcomeHref(c, form.action === "not_mine" ? "claimed" : "confirmed", pickLang(c)), 303);
  },
};

/**
 * Where a project makes people confirm their address before signing in, the confirmation is what completes the
 * sign-up: it goes on to the passkey offer a sign-up without confirmation gets (routes/auth/signup.tsx), when the
 * project has passkeys and the account none yet. Elsewhere the sign-up itself signed in and offered one.
 */
function passkeyOffer(client: AuthorizationClient, link: VerificationLink): Onward | undefined {
  const project = { settings: client.settings };
  return requiresVerifiedEmail({ project }) && passkeysEnabled(project) && !link.has_passkey
    ? "passkey_offer"
    : undefined;
}

/**
 * The person who signed up, just proven by the password (or this browser's session), goes on into the sign-up's
 * own authorization request instead of signing in again (an app's, or Astapa's own account, billing or device
 * page's) — by way of `onward` (the passkey offer) first, once signed in. Null, for the confirmation page and its
 * "Continue", when there is none or it cannot go on as it is: another client's, one the project no longer
 * accepts, or a self-registered client's (its consent is asked on the sign-in page; no session starts here).
 */
async function signInOnward(
  c: Ctx,
  kept: NonNullable<Kept>,
  userId: string,
  onward: Onward | undefined,
): Promise<Response | null> {
  const next = new URLSearchParams(c.req.query("continue") ?? "");
  if (!next.get("client_id") || next.get("client_id") !== c.req.query("client_id")) return null;
  if ("sessionToken" in kept) {
    // Already signed in here: the offer's "Back to the app" goes through the sign-in page, as /auth/login would.
    if (onward) return c.redirect(onwardHref(onward, next, pickLang(c)), 303);
    return c.redirect(`/auth/login?${next}&lang=${pickLang(c)}`, 303);
  }
  let request: AuthorizeRequest;
  try {
    const parsed = await parseAuthorizeRequest(c.var.deps, next, ownCallbacks(c), clientAddress(c));
    if (parsed.thirdParty) return null;
    request = parsed;
  } catch (error) {
    if (error instanceof AuthorizeRedirectError || error instanceof AppError) return null;
    throw error;
  }
  try {
    return await afterFirstFactor(c, request, next, userId, ["pwd"], {
      passwordHash: kept.passwordHash,
      onward,
    });
  } catch (error) {
    // Reset, claimed or disabled in between: the address is confirmed; signing in starts over. Enforced SSO since
    // the sign-up: confirmed too, and the sign-in page hands the person over to their organization's IdP.
    if (["credentials_changed", "sso_required"].includes(toAppError(error).code)) return null;
    throw error;
  }
}

/** The client the link names (its brand on the page); an unknown one reads as an expired link. */
async function linkClient(c: Ctx): Promise<AuthorizationClient> {
  const client = await requestClient(c.var.deps, c.req.query("client_id") ?? "");
  if (!client) throw new AppError("not_found", { description: MESSAGES[pickLang(c)].linkExpired });
  useBrand(c, { id: client.project_id, name: client.name, settings: client.settings });
  return client;
}

/** The page's own address, keeping the client and the sign-up's request, with what else it shows. */
function verifyHref(c: Ctx, lang: Lang, shown: Record<string, string>): string {
  const next = c.req.query("continue");
  return `/auth/verify?${new URLSearchParams({
    client_id: c.req.query("client_id") ?? "",
    ...shown,
    ...(next ? { continue: next } : {}),
    lang,
  })}`;
}

function outcomeHref(c: Ctx, outcome: "confirmed" | "claimed", lang: Lang): string {
  return verifyHref(c, lang, { confirmed: outcome === "confirmed" ? "1" : "claimed" });
}

function askPage(
  c: Ctx,
  client: AuthorizationClient,
  token: string,
  link: VerificationLink,
  failed: { error?: MessageKey; waitSeconds?: number } = {},
  status = 200,
) {
  const lang = pickLang(c);
  const ask: ConfirmQuestion = {
    email: link.email,
    token,
    csrf: csrfToken(c),
    action: verifyHref(c, lang, {}),
    // A browser signed in to the account, or an account without a password, confirms by the button alone.
    password: !link.signed_in && link.password_hash !== null,
    ...failed,
  };
  const switchHref = verifyHref(c, lang === "en" ? "id" : "en", { token });
  const data = { lang, appName: c.var.brand?.name ?? client.name, ask, switchHref };
  return page(data, { title: MESSAGES[lang].confirmTitle, lang, status });
}

function outcomePage(c: Ctx, client: AuthorizationClient, outcome: Outcome) {
  const lang = pickLang(c);
  const other = lang === "en" ? "id" : "en";
  // The sign-up's own authorization request, so "Continue" leads back into the app the person came from.
  const next = new URLSearchParams(c.req.query("continue") ?? "");
  const sameClient = next.get("client_id") === c.req.query("client_id");
  const data: VerifyData = {
    lang,
    appName: c.var.brand?.name ?? client.name,
    outcome,
    ...(sameClient && outcome !== "claimed" ? { continueHref: `/auth/login?${next}` } : {}),
    ...(sameClient && outcome === "claimed" ? { passwordHref: `/auth/forgot?${next}&lang=${lang}` } : {}),
    switchHref: outcome === "expired"
      ? verifyHref(c, other, { token: c.req.query("token") ?? "" })
      : outcomeHref(c, outcome, other),
  };
  return page(data, {
    title: MESSAGES[lang][HEADINGS[outcome]],
    lang,
    status: outcome === "expired" ? 400 : 200,
  });
}

export default function Verify({ data }: PageProps<VerifyData>) {
  if (data.ask) {
    return (
      <ConfirmEmailForm lang={data.lang} appName={data.appName} ask={data.ask} switchHref={data.switchHref} />
    );
  }
  const t = MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang}>
      <p class="eyebrow">{data.appName}</p>
      <h1 id="auth-heading">{t[HEADINGS[data.outcome!]]}</h1>
      {data.outcome === "confirmed" && <p>{t.verifiedBody}</p>}
      {data.outcome === "claimed" && <p>{t.claimedBody}</p>}
      {data.continueHref && (
        <p>
          <a class="button" href={data.continueHref}>{t.continueTo}</a>
        </p>
      )}
      {data.passwordHref && (
        <p>
          <a class="button" href={data.passwordHref}>{t.chooseOwnPassword}</a>
        </p>
      )}
      <p class="muted lang-switch">
        <a href={data.switchHref} hreflang={data.lang === "en" ? "id" : "en"}>{t.language}</a>
      </p>
    </section>
  );
}

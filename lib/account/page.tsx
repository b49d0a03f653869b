/**
 * The account page (/account) as its GET shows it: the signed-in person's account with what a change reported
 * back, or the way to sign in. Also what a stale account form comes back as (./form.ts), from whichever route it
 * was posted to: the page whole, 403.
 */
import type { Ctx } from "@/lib/app_env.ts";
import { type AccountOverview, accountOverview } from "@/db/account.ts";
import { page, type PageResult, renderPage } from "@/lib/router/page.tsx";
import { csrfToken } from "@/lib/login/browser.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { ACR_MFA } from "@/lib/login/factors/policy.ts";
import { passkeysEnabled } from "@/lib/login/passkeys/settings.ts";
import { passkeySignals } from "@/lib/login/passkeys/ceremony.ts";
import { AccountPage, type AccountPageData } from "@/components/account/AccountPage.tsx";
import { accountSay } from "./i18n.ts";
import { phoneSection } from "./phone.ts";
import { type AccountTarget, sessionHash, signInToAccount } from "./target.ts";

/** The hosted pages for the second factor and passkeys, signed in (and back) through /account/callback. */
function factorLinks(c: Ctx, target: AccountTarget, lang: Lang) {
  const request = new URLSearchParams({
    client_id: target.clientId,
    redirect_uri: `${c.var.deps.config.baseUrl}/account/callback`,
    response_type: "code",
    scope: "openid",
    state: `${target.query}&lang=${lang}`,
    ui_locales: lang,
  });
  return {
    manage: `/auth/mfa/manage?${request}`,
    setUp: `/auth/login?${request}&acr_values=${encodeURIComponent(ACR_MFA)}`,
    passkeys: passkeysEnabled(target.project) ? `/auth/passkeys?${request}` : null,
  };
}

/** The page with `data` (no account: the "deleted" page), in the person's language, never cached. */
export function renderAccount(
  c: Ctx,
  target: AccountTarget,
  data: Partial<AccountPageData>,
  status = 200,
): PageResult<AccountPageData> {
  const lang = pickLang(c);
  c.header("cache-control", "no-store");
  const full: AccountPageData = {
    lang,
    appName: target.project.name,
    query: target.query,
    csrf: csrfToken(c),
    returnTo: target.returnTo,
    account: null,
    factorLinks: factorLinks(c, target, lang),
    ...data,
  };
  return page(full, { title: accountSay(lang, full.account ? "title" : "deletedTitle"), lang, status });
}

/**
 * The signed-in person's account saying `shown` (`params`: the address's, for the phone section's outcome), or
 * the way through the hosted login when this browser has no session for the project.
 */
export async function showAccount(
  c: Ctx,
  target: AccountTarget,
  shown: Pick<AccountPageData, "notice" | "error" | "count">,
  params: URLSearchParams,
  status = 200,
): Promise<Response | PageResult<AccountPageData>> {
  const hash = await sessionHash(c, target.project.id);
  const account = hash
    ? await accountOverview(c.var.deps.sql, target.project.id, hash, c.req.header("user-agent") ?? null)
    : null;
  if (!account) return signInToAccount(c, target, pickLang(c), false);
  const phone = await phoneSection(c, target, account, params);
  return renderAccount(c, target, { account, ...shown, phone, signals: accountSignals(c, account) }, status);
}

/**
 * The Signal API's hints from the account page too (docs/passkeys.md#keeping-password-managers-in-sync): an address
 * or number changed here, by support or by the IdP reaches the person's password manager the next time they look
 * at their account, not only on the passkeys page. None without passkeys, nor for support signed in as the person.
 */
function accountSignals(c: Ctx, account: AccountOverview) {
  const current = account.sessions.find((s) => s.current);
  if (account.passkeys.length === 0 || !current || current.impersonated_by) return undefined;
  const { id, email, phone_number } = account.user;
  return passkeySignals(c, {
    user_id: id,
    user_name: email ?? phone_number ?? id,
    passkeys: account.passkeys,
  });
}

/** A stale account form's answer, from any route it was posted to: the account page saying so, 403. */
export async function staleAccountPage(c: Ctx, target: AccountTarget): Promise<Response> {
  const shown = await showAccount(c, target, { error: "staleForm" }, new URL(c.req.url).searchParams, 403);
  return shown instanceof Response ? shown : renderPage(c, AccountPage, shown);
}

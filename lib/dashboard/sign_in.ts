/**
 * The dashboard as an OAuth client of its own deployment: /dashboard/login sends the developer to the
 * hosted login of the console project (authorization code + PKCE S256 + state), /dashboard/callback checks
 * the state and redeems the code in SQL as the console project, then links the console user to a developer
 * account and starts a dashboard session.
 */
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Ctx } from "../app_env.ts";
import { asApp } from "@/db/client.ts";
import { linkConsoleAccount } from "@/db/dashboard.ts";
import { redeemAuthorizationCode } from "@/db/tokens.ts";
import type { Developer } from "@/db/dashboard.ts";
import { AppError } from "../http/errors.ts";
import { base64url, randomSecret, sha256 } from "../secrets.ts";
import { constantTimeEqual } from "./session.ts";
import { dashboardLang } from "./i18n.ts";

export const LOGIN_COOKIE = "astapa_dashboard_login";
const LOGIN_TTL_SECONDS = 10 * 60;
const PAIR = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/**
 * The hosted-login URL to send the developer to; the state and PKCE verifier wait in a cookie. Only when
 * `consoleClient.signInAvailable` (the caller explains otherwise).
 */
export async function beginSignIn(c: Ctx): Promise<string> {
  const { config, consoleClient } = c.var.deps;
  if (!consoleClient.signInAvailable) {
    throw new AppError("service_unavailable", {
      description:
        `Dashboard sign-in needs ASTAPA_BASE_URL on https (or http on localhost); ${config.baseUrl} ` +
        "cannot be a redirect URI. Set ASTAPA_BASE_URL and restart.",
    });
  }
  const state = randomSecret();
  const verifier = randomSecret();
  setCookie(c, LOGIN_COOKIE, `${state}.${verifier}`, {
    path: "/dashboard/callback",
    httpOnly: true,
    sameSite: "Lax", // the hosted login returns with a top-level GET, which Lax cookies accompany
    secure: config.baseUrl.startsWith("https://"),
    maxAge: LOGIN_TTL_SECONDS,
  });
  const params = new URLSearchParams({
    response_type: "code",
    client_id: consoleClient.clientId,
    redirect_uri: consoleClient.redirectUri,
    state,
    code_challenge: base64url.encode(await sha256(verifier)),
    code_challenge_method: "S256",
    // The hosted login speaks the dashboard's language (the developer's choice, else their browser's).
    ui_locales: dashboardLang(c),
  });
  return `${config.baseUrl}/auth/login?${params}`;
}

/** Checks the state against the cookie, redeems the code as the console project and links the account. */
export async function finishSignIn(c: Ctx, code: string, state: string): Promise<Developer> {
  const { sql, consoleClient } = c.var.deps;
  const pair = PAIR.exec(getCookie(c, LOGIN_COOKIE) ?? "");
  deleteCookie(c, LOGIN_COOKIE, { path: "/dashboard/callback" });
  if (!pair || !constantTimeEqual(pair[1], state)) {
    throw new AppError("invalid_request", {
      description:
        "This sign-in did not start in this browser, or took too long. Start again from the dashboard.",
    });
  }
  const grant = await redeemAuthorizationCode(sql, consoleClient.projectId, {
    codeHash: await sha256(code),
    clientId: consoleClient.clientId,
    redirectUri: consoleClient.redirectUri,
    codeVerifier: pair[2],
    // The dashboard keeps its own session, so this refresh token is never handed out: only its hash exists.
    refreshHash: await sha256(randomSecret()),
  });
  return await asApp(sql, consoleClient.projectId, (tx) => linkConsoleAccount(tx, grant.sub), {
    actor: `console_user:${grant.sub}`,
  });
}

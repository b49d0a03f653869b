/**
 * The app's initiate-login route (OpenID Connect Core §4, third-party initiated login; docs/hosted-login.md
 * "Sign-ins the app did not start"): a link Astapa mailed (an admin's password reset, a waitlist approval) sends
 * the browser to the project client's initiate_login_uri with `iss`, `login_hint` and maybe `target_link_uri`.
 * The app checks `iss` is its Astapa and starts its usual sign-in (its own state and PKCE) with the hint, and the
 * hosted login then shows what the link was for. And the Platform API setting that names the route.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

/** What the initiate-login route was asked: the address to sign in as and where to go after, when given. */
export type InitiateLoginParams = { loginHint?: string; targetLinkUri?: string };

/**
 * Reads an initiate-login request's URL. Refuses (null) one whose `iss` is not `issuer`: anyone can link to the
 * route, and starting sign-ins at another issuer's say-so is an open redirect and a login-CSRF helper (OIDC Core
 * §4). A `target_link_uri` is kept only on `appOrigin` (the redirect URI's): never an open redirect either.
 */
export function initiateLoginParams(
  requestUrl: string | URL,
  issuer: string,
  appOrigin: string,
): InitiateLoginParams | null {
  const params = new URL(requestUrl).searchParams;
  if (params.getAll("iss").length !== 1 || params.get("iss") !== issuer) return null;
  const loginHint = params.get("login_hint") ?? undefined;
  const target = params.get("target_link_uri");
  let targetLinkUri: string | undefined;
  try {
    targetLinkUri = target && new URL(target).origin === appOrigin ? target : undefined;
  } catch {
    targetLinkUri = undefined;
  }
  return { ...(loginHint ? { loginHint } : {}), ...(targetLinkUri ? { targetLinkUri } : {}) };
}

export type InitiateLoginSettings = {
  /** The app's initiate-login route (https), or null: mailed links then cannot start a sign-in through the app. */
  initiate_login_uri: string | null;
};

/** The project client's initiate_login_uri through the Platform API (`astapa.initiateLoginSettings`). */
export function initiateLoginSettings(json: Json) {
  const path = "/api/platform/initiate-login-settings";
  return {
    /** The URI, or null. */
    get: () => json<InitiateLoginSettings>(path),
    /** Sets it (https, no fragment) or with null removes it; answers it. */
    update: (changes: InitiateLoginSettings) => json<InitiateLoginSettings>(path, "PATCH", changes),
  };
}

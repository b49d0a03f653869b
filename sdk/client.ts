/**
 * The Astapa client for an app's backend: sign-in URLs with PKCE, code exchange, refresh, revocation,
 * token verification, the Claims API and checkout. Runs on Deno, Node 18+ and any runtime with fetch and
 * WebCrypto.
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { AstapaAuthError, AstapaError, errorFrom } from "./errors.ts";
import { verifyLogoutToken } from "./logout_tokens.ts";
import { billingAccounts, billingPages, checkoutReads } from "./billing_accounts.ts";
import { billingOrganizations } from "./billing_organizations.ts";
import { billingPlans } from "./billing_plans.ts";
import { billingReceipts } from "./billing_receipts.ts";
import { botProtection } from "./bot_protection.ts";
import { phoneProviders } from "./phone_providers.ts";
import { signInMethods } from "./sign_in_methods.ts";
import { ssoConnections } from "./sso_connections.ts";
import { scimDirectories } from "./scim_directories.ts";
import { users } from "./users.ts";
import { auditLog } from "./audit_log.ts";
import { signUpSettings } from "./sign_up_settings.ts";
import { anonymousUserSettings, signInAnonymously, type SignInAnonymouslyOptions } from "./anonymous.ts";
import { waitlist } from "./waitlist.ts";
import { webhooks } from "./webhooks.ts";
import { challengeOf, randomValue } from "./pkce.ts";
import type { DpopReplayStore } from "./dpop.ts";
import { dpopSettings } from "./dpop_settings.ts";
import { appleRevocations } from "./apple_revocations.ts";
import { userWaysIn } from "./user_ways_in.ts";
import { mailTexts } from "./mail_texts.ts";
import { initiateLoginParams, initiateLoginSettings } from "./initiate_login.ts";

export type {
  BillingSubscription,
  Coupon,
  CouponRedemption,
  CouponWithRedemptions,
  LinkedMethod,
  NewCoupon,
  PlanChange,
} from "./billing_plans.ts";

export type AstapaOptions = {
  /** The deployment's origin, e.g. "https://auth.example.com" — also the issuer of its tokens. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Default redirect URI for loginUrl() and exchangeCode(). */
  redirectUri?: string;
  /**
   * The project's id (`proj_…`). When set, verify() refuses a token of any other project even if its audience
   * matches — set it, especially when verifying for a resource (an MCP server's URL).
   */
  projectId?: string;
  fetch?: typeof fetch;
  /**
   * Where the gates remember accepted DPoP proofs (sdk/dpop.ts): a store every instance of the app shares.
   * Without one, each process remembers its own (docs/sdk.md).
   */
  dpopReplayStore?: DpopReplayStore;
};

export type Tokens = {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  expiresIn: number;
  scope?: string;
};

export type CustomClaims = {
  plan: string;
  role?: string;
  feature_flags: string[];
  [key: string]: unknown;
};

/** The verified claims of an Astapa access token. */
export type AstapaClaims = JWTPayload & {
  sub: string;
  email?: string;
  email_verified?: boolean;
  /** true on a guest's tokens only (docs/anonymous-users.md); absent once they sign up. */
  is_anonymous?: true;
  project_id: string;
  client_id: string;
  scope?: string;
  custom_claims?: CustomClaims;
  /** How the person signed in (RFC 8176): `pwd`, `otp`, `mfa`, `fed`. */
  amr?: string[];
  /** The multi-factor URI when `amr` has `mfa`, else "0". */
  acr?: string;
  auth_time?: number;
  /**
   * Present when the project's support staff signed in as the person (docs/impersonation.md; RFC 8693): who
   * acts, and in which impersonation (`impersonation_id`; introspection says inactive once it ended). Show a
   * banner while it is there.
   */
  act?: { sub: string; impersonation_id?: string; act?: unknown };
  /** The active organization (docs/organizations.md): present while the person is its member. */
  org_id?: string;
  org_slug?: string;
  org_role?: string;
  org_permissions?: string[];
  /** A DPoP-bound token's key thumbprint (RFC 9449 §6); the gates then require a proof of that key. */
  cnf?: { jkt?: string };
};

/** OpenID Connect profile claims (Core §5.1): with the `profile` scope, in the ID token and userinfo. */
export type ProfileClaims = {
  name?: string;
  given_name?: string;
  family_name?: string;
  /** An https URL. */
  picture?: string;
  /** BCP 47, e.g. "id-ID". */
  locale?: string;
  nickname?: string;
  middle_name?: string;
  /** Not unique, never a key (OIDC Core §5.7). */
  preferred_username?: string;
  /** An http(s) URL. */
  website?: string;
  /** An IANA time zone, e.g. "Asia/Jakarta". */
  zoneinfo?: string;
  /** "YYYY-MM-DD", or "0000-MM-DD" without the year. */
  birthdate?: string;
  gender?: string;
  /** When the profile last changed, in seconds since 1970. */
  updated_at?: number;
};

/** What userinfo answers: the person's current claims; the profile claims when the token has `profile`. */
export type UserInfo = ProfileClaims & {
  sub: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
  project_id: string;
  custom_claims: CustomClaims;
};

/** What loginUrl() asks the hosted login for. */
export type LoginOptions = {
  redirectUri?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  /** ACR_MFA asks for a second factor (a step-up for a signed-in person). */
  acrValues?: string;
  /** Seconds: an older sign-in signs in again. */
  maxAge?: number;
  /** The organization (id or slug) to make active; switching organization is a new sign-in with it. */
  organization?: string;
  /** An organization invitation's token (the `invitation` parameter of the mailed link) to accept. */
  invitation?: string;
  /** The address to sign in as: the form shows it filled in (OIDC login_hint). */
  loginHint?: string;
  /**
   * A guest's current ID token (docs/anonymous-users.md): the sign-up page opens (prompt=create) and the account
   * made keeps the guest's sub. Refresh the guest's tokens first: an expired one goes back as invalid_request.
   */
  guestIdToken?: string;
};

export type LoginRequest = {
  url: string;
  state: string;
  codeVerifier: string;
  nonce?: string;
};

export function createAstapa(options: AstapaOptions) {
  const issuer = new URL(options.baseUrl).origin;
  const http = options.fetch ?? fetch;
  const jwks = createRemoteJWKSet(new URL("/.well-known/jwks.json", issuer));
  const basic = `Basic ${
    btoa(
      `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
    )
  }`;

  async function call(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await http(new URL(path, issuer), {
        ...init,
        headers: {
          authorization: basic,
          accept: "application/json",
          ...init.headers,
        },
      });
    } catch (cause) {
      throw new AstapaError(
        "network_error",
        `Astapa is unreachable: ${(cause as Error).message}`,
        0,
      );
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  async function form(
    path: string,
    params: Record<string, string | undefined>,
  ): Promise<Response> {
    const body = new URLSearchParams(
      Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
    );
    return await call(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
  }

  async function tokens(
    params: Record<string, string | undefined>,
  ): Promise<Tokens> {
    const body = await (await form("/api/platform/token", params)).json();
    if (typeof body.access_token !== "string") {
      throw new AstapaError("invalid_response", "No access token", 200);
    }
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      idToken: body.id_token,
      expiresIn: body.expires_in,
      scope: body.scope,
    };
  }

  async function json<T>(
    path: string,
    method = "GET",
    body?: unknown,
  ): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    return await (await call(path, init)).json();
  }

  const redirect = (uri?: string) => {
    const value = uri ?? options.redirectUri;
    if (!value) {
      throw new AstapaError("invalid_request", "redirectUri is required", 0);
    }
    return value;
  };

  /** The hosted-login URL, with state and a PKCE challenge. Keep state and codeVerifier for the callback. */
  const loginUrl = async (request: LoginOptions = {}): Promise<LoginRequest> => {
    const state = request.state ?? randomValue();
    const codeVerifier = randomValue();
    const url = new URL("/auth/login", issuer);
    url.search = new URLSearchParams({
      client_id: options.clientId,
      redirect_uri: redirect(request.redirectUri),
      response_type: "code",
      state,
      code_challenge: await challengeOf(codeVerifier),
      code_challenge_method: "S256",
      ...(request.scope ? { scope: request.scope } : {}),
      ...(request.nonce ? { nonce: request.nonce } : {}),
      ...(request.acrValues ? { acr_values: request.acrValues } : {}),
      ...(request.maxAge !== undefined ? { max_age: String(request.maxAge) } : {}),
      ...(request.organization ? { organization: request.organization } : {}),
      ...(request.invitation ? { invitation: request.invitation } : {}),
      ...(request.loginHint ? { login_hint: request.loginHint } : {}),
      ...(request.guestIdToken ? { prompt: "create", id_token_hint: request.guestIdToken } : {}),
    }).toString();
    return {
      url: url.toString(),
      state,
      codeVerifier,
      nonce: request.nonce,
    } satisfies LoginRequest;
  };

  return {
    issuer,

    /** The DPoP replay store the gates use (options.dpopReplayStore), or undefined: each process's memory. */
    dpopReplayStore: options.dpopReplayStore,

    loginUrl,

    /**
     * For the app's initiate-login route (its initiate_login_uri; docs/hosted-login.md "Sign-ins the app did not
     * start"): given the route's request URL, the usual sign-in (as loginUrl, with the link's login_hint) and the
     * link's `targetLinkUri` when it is on the redirect URI's origin. Throws invalid_request when `iss` is not this
     * issuer: a link from anyone else starts nothing. Keep state and codeVerifier as for loginUrl.
     */
    async initiateLogin(
      requestUrl: string | URL,
      request: Omit<LoginOptions, "loginHint"> = {},
    ) {
      const params = initiateLoginParams(requestUrl, issuer, new URL(redirect(request.redirectUri)).origin);
      if (!params) {
        throw new AstapaError(
          "invalid_request",
          `iss must be ${issuer}: this sign-in was not started by Astapa`,
          0,
        );
      }
      const login = await loginUrl({ ...request, loginHint: params.loginHint });
      return { ...login, targetLinkUri: params.targetLinkUri };
    },

    /**
     * The hosted account page for this app's users (profile, email, password, sign-in methods, sessions,
     * connected apps, their data, deletion). `returnTo` — its "Back to the app" link — must be one of the
     * client's registered redirect URIs; `lang` picks English or Indonesian (else the browser's language).
     */
    accountUrl(request: { returnTo?: string; lang?: "en" | "id" } = {}): string {
      const url = new URL("/account", issuer);
      url.search = new URLSearchParams({
        client_id: options.clientId,
        ...(request.returnTo ? { return_to: request.returnTo } : {}),
        ...(request.lang ? { lang: request.lang } : {}),
      }).toString();
      return url.toString();
    },

    /** Trades the callback's code for tokens. Pass the state you kept to have it checked. */
    exchangeCode(
      input: { code: string; codeVerifier: string; redirectUri?: string },
    ) {
      return tokens({
        grant_type: "authorization_code",
        code: input.code,
        code_verifier: input.codeVerifier,
        redirect_uri: redirect(input.redirectUri),
      });
    },

    /** A fresh access token (with fresh claims) and the refresh token's successor. */
    refresh(refreshToken: string, scope?: string) {
      return tokens({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        scope,
      });
    },

    /** Signs the token's user out everywhere: every refresh token of theirs stops working. */
    async revoke(token: string): Promise<void> {
      await form("/api/platform/revoke", { token });
    },

    /**
     * The signed-in person's current claims (OpenID Connect userinfo) for their access token: name, picture and
     * the other profile claims when it was issued with the `profile` scope (ask for `openid profile` in loginUrl).
     */
    async userInfo(accessToken: string): Promise<UserInfo> {
      const res = await call("/api/platform/userinfo", {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      return await res.json();
    },

    /** A machine token for this app itself. */
    clientCredentials(scope?: string, resource?: string) {
      return tokens({ grant_type: "client_credentials", scope, resource });
    },

    /**
     * Verifies an access token locally (JWKS cached), pinning issuer, audience, RS256, `typ: at+jwt` and, with
     * the projectId option, the token's project.
     */
    async verify(
      token: string,
      audience: string = options.clientId,
    ): Promise<AstapaClaims> {
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer,
          audience,
          algorithms: ["RS256"],
          typ: "at+jwt",
        });
        if (
          options.projectId !== undefined &&
          payload.project_id !== options.projectId
        ) {
          throw new Error(
            `the token belongs to another project (${String(payload.project_id)})`,
          );
        }
        return payload as AstapaClaims;
      } catch (cause) {
        throw new AstapaAuthError(
          "invalid_token",
          `The access token is not valid: ${(cause as Error).message}`,
          401,
        );
      }
    },

    /**
     * Verifies a back-channel logout token Astapa POSTed to the app's backchannel_logout_uri (sdk/logout_tokens.ts):
     * end the app's sessions with its sid (or of its sub), then answer 200; AstapaAuthError (400) when invalid.
     */
    verifyLogoutToken(token: string) {
      return verifyLogoutToken(token, { issuer, clientId: options.clientId, jwks });
    },

    claims: {
      /** The claims a user's next token will carry. */
      get: (sub: string) =>
        json<CustomClaims>(
          `/api/platform/users/${encodeURIComponent(sub)}/claims`,
        ),
      /** Changes a user's plan, role, feature flags or custom claims; returns the resulting custom_claims. */
      set: (sub: string, changes: Partial<CustomClaims>) =>
        json<CustomClaims>(
          `/api/platform/users/${encodeURIComponent(sub)}/claims`,
          "PATCH",
          changes,
        ),
    },

    checkout: {
      /** Starts a checkout for a user and plan; send the user to the returned checkout_url. */
      create: (
        input: {
          user: string;
          plan: string;
          method?: string;
          success_url?: string;
          failure_url?: string;
          coupon?: string;
          /** Who the receipt is made out to: a name and an NPWP or NIK. */
          buyer_name?: string;
          buyer_tax_id?: string;
        },
      ) =>
        json<
          {
            checkout_id: string;
            checkout_url: string;
            status: string;
            amount: number;
            currency: string;
          }
        >(
          "/api/platform/checkout",
          "POST",
          input,
        ),
      ...checkoutReads(json),
    },

    /**
     * Trials, plan changes, cancel / resume, a user's billing, coupons and metrics (docs/billing.md); receipts,
     * PPN settings and refunds (docs/receipts.md).
     */
    billing: {
      ...billingReceipts(json, issuer),
      ...billingAccounts(json),
      ...billingOrganizations(json),
      ...billingPages(issuer, options.clientId),
      ...billingPlans(json),
    },

    /** The project's audit log, newest first (`next_before` leads to older entries); filters actor, action, user. */
    auditLog: auditLog(json),

    /** Turnstile or hCaptcha on the hosted login's forms (docs/hosted-login.md): the secret key is write-only. */
    botProtection: botProtection(json, call),

    /** The project's own phone code provider accounts (docs/phone.md): write-only credentials. */
    phoneProviders: phoneProviders(json, call),

    /** The project's ways to sign in: passwords, passkeys, email codes, sign-up by code (docs/passkeys.md). */
    signInMethods: signInMethods(json),
    /** Apple token revocations still waiting or given up (docs/social-login.md). */
    appleRevocations: appleRevocations(json),
    /** Whether every client of the project must use DPoP (docs/tokens.md). */
    dpopSettings: dpopSettings(json),
    /** The project's own wording of each mail it sends (docs/project-settings.md). */
    mailTexts: mailTexts(json),
    /** The app's initiate-login route that mailed links start sign-ins at (docs/hosted-login.md). */
    initiateLoginSettings: initiateLoginSettings(json),

    /** Organizations' enterprise SSO connections (docs/enterprise-sso.md): the IdP secret is write-only. */
    ssoConnections: ssoConnections(json, call),
    /** Organizations' SCIM directories (docs/scim.md): the token is shown once, by enable. */
    scimDirectories: scimDirectories(json, call),
    /** Who may sign up through the hosted login: open, by invitation or closed; domain lists (docs/project-settings.md). */
    signUpSettings: signUpSettings(json),
    /** Guests (anonymous sign-ins): on or off, how long they are kept, the hourly cap (docs/anonymous-users.md). */
    anonymousUserSettings: anonymousUserSettings(json),
    /**
     * A new guest's tokens with this client's id alone, as `signInAnonymously` (also exported alone, for the
     * browser): called from a server, every guest counts against that server's address (30 an hour).
     */
    signInAnonymously: (
      request: Omit<SignInAnonymouslyOptions, "baseUrl" | "clientId" | "fetch"> = {},
    ) => signInAnonymously({ ...request, baseUrl: issuer, clientId: options.clientId, fetch: options.fetch }),
    /** The sign-up waitlist: list, approve (mails the sign-up link), decline (docs/project-settings.md). */
    waitlist: waitlist(json),

    /** The project's webhook endpoint and delivery log (docs/plans.md): the secret is shown once. */
    webhooks: webhooks(json, call),

    /** The project's users: find, page, create, disable, erase, sessions; impersonation (docs/impersonation.md). */
    users: { ...users(json, call), ...userWaysIn(json) },
  };
}

export type Astapa = ReturnType<typeof createAstapa>;

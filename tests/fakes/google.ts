/**
 * A local Google speaking OpenID Connect closely enough for the unmodified oauth4webapi: discovery,
 * authorize (auto-approves as `approveAs`, or answers `deny` with error=access_denied), token (client secret,
 * redirect_uri and PKCE checked, single-use codes, an RS256 ID token with nonce), JWKS and userinfo. Standing in
 * for an enterprise IdP it also signs back-channel logout tokens (signLogoutToken) with the same key, rotates its
 * signing key (rotateKey: a new kid, the old key gone from the JWKS), and — started with `endSession` — advertises
 * an RP-Initiated Logout 1.0 end_session_endpoint that checks the id_token_hint, client_id and a registered
 * post_logout_redirect_uri, then sends the browser back with the state (or an error, `endSessionError`).
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  clientCredentials,
  type FakeServer,
  json,
  newCode,
  pkceMatches,
  redirectBack,
  serveFake,
} from "./serve.ts";

/** The profile claims (name … locale) go into the ID token when set, as Google's do with the profile scope. */
export type GoogleAccount = {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  picture?: string;
  locale?: string;
  /** Further ID token claims, as an enterprise OIDC IdP standing in for Google may send (nickname, zoneinfo …). */
  extra?: Record<string, unknown>;
};

type Grant = {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  nonce?: string;
  account: GoogleAccount;
  used: boolean;
};

export type FakeGoogle = FakeServer & {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** More registered OAuth clients (id → secret), e.g. a project's own app. */
  extraClients: Record<string, string>;
  /** Who the next authorize request signs in as. */
  approveAs: GoogleAccount;
  /** When set, authorize refuses with this error (e.g. "access_denied") instead. */
  deny?: string;
  /** Authorization requests seen, for assertions on what Astapa sent. */
  authorizeRequests: URLSearchParams[];
  /** The ID tokens issued, latest last. */
  idTokens: string[];
  /**
   * A Back-Channel Logout 1.0 logout token signed with the IdP's key: iss, aud (the client id), iat, jti and the
   * logout event by default, then `claims` (a claim set to undefined is left out), under `header` (typ logout+jwt).
   */
  signLogoutToken(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** A new signing key with a new kid; the JWKS lists only it from now on. */
  rotateKey(): Promise<void>;
  /** The kid ID tokens and logout tokens are signed under now. */
  kid: string;
  /** How often the JWKS was fetched. */
  jwksFetches: number;
  /** post_logout_redirect_uri values the end_session_endpoint accepts (as registered at a real IdP). */
  postLogoutRedirectUris: string[];
  /** End-session requests seen (their query). */
  endSessionRequests: URLSearchParams[];
  /** When set, the end_session_endpoint sends the browser back with this error instead of signing out. */
  endSessionError?: string;
};

/** The event member every logout token carries. */
export const LOGOUT_EVENT = { "http://schemas.openid.net/event/backchannel-logout": {} };

export async function startFakeGoogle(
  options: { clientId?: string; clientSecret?: string; endSession?: boolean } = {},
): Promise<FakeGoogle> {
  let privateKey: CryptoKey;
  let kid = "";
  let jwks: { keys: Record<string, unknown>[] } = { keys: [] };
  let generation = 0;
  const newKey = async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    kid = `fake-google-${++generation}`;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" }] };
  };
  await newKey();
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, GoogleAccount>();

  const secretOf = (clientId: string): string | undefined =>
    clientId === fake.clientId ? fake.clientSecret : fake.extraClients[clientId];

  const server = serveFake(async (req, url) => {
    const issuer = fake.issuer;
    switch (`${req.method} ${url.pathname}`) {
      case "GET /.well-known/openid-configuration":
        return json({
          issuer,
          authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/v1/userinfo`,
          jwks_uri: `${issuer}/oauth2/v3/certs`,
          response_types_supported: ["code", "id_token", "code id_token"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid", "email", "profile"],
          token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
          code_challenge_methods_supported: ["plain", "S256"],
          grant_types_supported: ["authorization_code", "refresh_token"],
          ...(options.endSession ? { end_session_endpoint: `${issuer}/logout?tenant=fake` } : {}),
        });
      case "GET /oauth2/v3/certs":
        fake.jwksFetches++;
        return json(jwks);
      case "GET /logout": {
        if (!options.endSession) break;
        const q = url.searchParams;
        fake.endSessionRequests.push(q);
        const back = q.get("post_logout_redirect_uri") ?? "";
        // Like a real OP: its own error page for a hint it did not issue, another client or an unregistered URI.
        if (
          !fake.idTokens.includes(q.get("id_token_hint") ?? "") || q.get("client_id") !== fake.clientId ||
          !fake.postLogoutRedirectUris.includes(back)
        ) {
          return new Response("Logout request refused", { status: 400 });
        }
        const state = q.get("state") ?? undefined;
        return redirectBack(back, fake.endSessionError ? { error: fake.endSessionError, state } : { state });
      }
      case "GET /o/oauth2/v2/auth": {
        const q = url.searchParams;
        fake.authorizeRequests.push(q);
        const redirectUri = q.get("redirect_uri");
        // Google shows its own error page (never a redirect) for an unknown client or redirect URI.
        const clientId = q.get("client_id") ?? "";
        if (secretOf(clientId) === undefined || !redirectUri) {
          return new Response("Error 400: invalid_request", { status: 400 });
        }
        const state = q.get("state") ?? undefined;
        if (fake.deny) return redirectBack(redirectUri, { error: fake.deny, state });
        if (q.get("response_type") !== "code" || !(q.get("scope") ?? "").split(" ").includes("openid")) {
          return redirectBack(redirectUri, { error: "invalid_request", state });
        }
        if (q.has("code_challenge") && q.get("code_challenge_method") !== "S256") {
          return redirectBack(redirectUri, { error: "invalid_request", state });
        }
        const code = `4/${newCode()}`;
        grants.set(code, {
          clientId,
          redirectUri,
          challenge: q.get("code_challenge") ?? undefined,
          nonce: q.get("nonce") ?? undefined,
          account: { ...fake.approveAs },
          used: false,
        });
        return redirectBack(redirectUri, { code, state, scope: q.get("scope") ?? undefined });
      }
      case "POST /token": {
        const form = new URLSearchParams(await req.text());
        const client = clientCredentials(req, form);
        if (!client.id || client.secret === undefined || secretOf(client.id) !== client.secret) {
          return json({ error: "invalid_client", error_description: "Unauthorized" }, 401);
        }
        const grant = grants.get(form.get("code") ?? "");
        if (
          form.get("grant_type") !== "authorization_code" || !grant || grant.used ||
          grant.clientId !== client.id ||
          grant.redirectUri !== form.get("redirect_uri") ||
          !(await pkceMatches(grant.challenge, form.get("code_verifier")))
        ) {
          return json({ error: "invalid_grant", error_description: "Bad Request" }, 400);
        }
        grant.used = true;
        const accessToken = `ya29.${newCode()}`;
        accessTokens.set(accessToken, grant.account);
        const idToken = await new SignJWT({
          azp: grant.clientId,
          email: grant.account.email,
          email_verified: grant.account.email_verified,
          ...Object.fromEntries(
            (["name", "given_name", "family_name", "picture", "locale"] as const)
              .filter((claim) => grant.account[claim] !== undefined)
              .map((claim) => [claim, grant.account[claim]]),
          ),
          ...grant.account.extra,
          ...(grant.nonce ? { nonce: grant.nonce } : {}),
        })
          .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
          .setIssuer(issuer)
          .setAudience(grant.clientId)
          .setSubject(grant.account.sub)
          .setIssuedAt()
          .setExpirationTime("1h")
          .sign(privateKey);
        fake.idTokens.push(idToken);
        return json({
          access_token: accessToken,
          expires_in: 3599,
          scope: "openid https://www.googleapis.com/auth/userinfo.email",
          token_type: "Bearer",
          id_token: idToken,
        });
      }
      case "GET /v1/userinfo": {
        const token = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1];
        const account = token ? accessTokens.get(token) : undefined;
        if (!account) {
          return json({ error: "invalid_request" }, 401, {
            "www-authenticate": 'Bearer error="invalid_token"',
          });
        }
        return json(account);
      }
    }
    return json({ error: "not_found" }, 404);
  });

  const fake: FakeGoogle = {
    ...server,
    issuer: server.origin,
    clientId: options.clientId ?? "fake-google-client.apps.googleusercontent.com",
    clientSecret: options.clientSecret ?? "GOCSPX-fake-secret",
    approveAs: { sub: "100000000000000000001", email: "sari@gmail.test", email_verified: true },
    extraClients: {},
    authorizeRequests: [],
    idTokens: [],
    get kid() {
      return kid;
    },
    jwksFetches: 0,
    postLogoutRedirectUris: [],
    endSessionRequests: [],
    rotateKey: newKey,
    signLogoutToken: (claims, header = {}) => {
      const payload = Object.fromEntries(
        Object.entries({
          iss: fake.issuer,
          aud: fake.clientId,
          iat: Math.floor(Date.now() / 1000),
          jti: crypto.randomUUID(),
          events: LOGOUT_EVENT,
          ...claims,
        }).filter(([, value]) => value !== undefined),
      );
      return new SignJWT(payload)
        .setProtectedHeader({ alg: "RS256", kid, typ: "logout+jwt", ...header } as { alg: string })
        .sign(privateKey);
    },
  };
  return fake;
}

/**
 * The authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 8707) behind /auth/login and /auth/signup.
 * A bad client_id or redirect_uri is shown as a page and never redirected (the redirect URI is not trusted
 * yet); every other problem goes back to the app as ?error=…&state=…&iss=….
 */
import { parseResource, parseScope } from "../oauth/scope.ts";
import { AppError, toAppError } from "../http/errors.ts";
import { requestClient } from "@/lib/login/authorization_clients.ts";
import { isSelfRegisteredClientId, selfRegisteredClient } from "../oauth/dynamic_client_auth.ts";
import type { Deps } from "../app_env.ts";
import { dynamicClientTarget, type ThirdParty } from "./dynamic_client_target.ts";

export type AuthorizeRequest = {
  clientId: string;
  redirectUri: string;
  state?: string;
  scope: string;
  codeChallenge?: string;
  nonce?: string;
  resource?: string;
  prompt?: string;
  /** OIDC acr_values: the ACR_MFA value asks for a second factor (lib/login/factors/policy.ts). */
  acrValues?: string;
  /** OIDC max_age: a session older than this many seconds signs in again. */
  maxAge?: number;
  /** An email the app suggests; it pre-fills the form. */
  loginHint?: string;
  /** OIDC ui_locales: the languages the app asks for, in order (pickLang reads them from the query). */
  uiLocales?: string;
  /** The organization (id or slug) the app asks to make active; the person must be its member. */
  organization?: string;
  /** An organization invitation's token: accepted once the person has signed in or up (with its address). */
  invitation?: string;
  /** RFC 9449 §10: the thumbprint of the DPoP key the code will be redeemed with. */
  dpopJkt?: string;
  /** A guest's ID token, naming the guest a sign-up keeps (lib/login/guest_hint.ts, docs/anonymous-users.md). */
  idTokenHint?: string;
  /** The guest idTokenHint names, once the sign-up page checked it (lib/login/guest_hint.ts's withGuest). */
  guestSub?: string;
  project: { id: string; name: string; mode: string; settings: Record<string, unknown> };
  /** Set for a dynamically registered client: who it says it is (unverified) and what it wants to reach. */
  thirdParty?: ThirdParty;
};

/** The app should hear about this one at its redirect_uri. */
export class AuthorizeRedirectError extends Error {
  constructor(
    readonly request: Pick<AuthorizeRequest, "redirectUri" | "state">,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every parameter the authorization request accepts, and where its parsed form keeps it: the one list that the
 * parser, requestQuery and authorizeQuery all read, so a parameter added here is carried by every later step
 * (the organization picker, the invitation step) and cannot be dropped by one of them.
 */
const PARAMS = {
  client_id: (r) => r.clientId,
  redirect_uri: (r) => r.redirectUri,
  // Checked to be "code" (or absent) when parsed.
  response_type: () => "code",
  state: (r) => r.state,
  scope: (r) => r.scope,
  code_challenge: (r) => r.codeChallenge,
  code_challenge_method: (r) => r.codeChallenge && "S256",
  nonce: (r) => r.nonce,
  resource: (r) => r.resource,
  prompt: (r) => r.prompt,
  login_hint: (r) => r.loginHint,
  ui_locales: (r) => r.uiLocales,
  acr_values: (r) => r.acrValues,
  max_age: (r) => r.maxAge,
  organization: (r) => r.organization,
  invitation: (r) => r.invitation,
  dpop_jkt: (r) => r.dpopJkt,
  id_token_hint: (r) => r.idTokenHint,
} satisfies Record<string, (request: AuthorizeRequest) => string | number | undefined>;

/** The name of a parameter the authorization request accepts. */
export type AuthorizeParam = keyof typeof PARAMS;

/** Every parameter the authorization request accepts. */
export const AUTHORIZE_PARAMS = Object.keys(PARAMS) as AuthorizeParam[];

/**
 * Reads and checks the request; throws AppError (a page) or AuthorizeRedirectError (back to the app).
 * `ownRedirectUris` are Astapa's own pages that every project may sign in to (the billing page); `address`: the
 * requester's, whose client metadata document fetches are rate limited.
 */
export async function parseAuthorizeRequest(
  deps: Pick<Deps, "sql" | "config" | "clientMetadataFetch" | "authorizationClients">,
  query: URLSearchParams,
  ownRedirectUris: string[],
  address: string,
): Promise<AuthorizeRequest> {
  const { sql } = deps;
  for (const name of AUTHORIZE_PARAMS) {
    if (query.getAll(name).length > 1) {
      throw new AppError("invalid_request", { description: `The ${name} parameter appears more than once.` });
    }
  }
  const get = (name: AuthorizeParam) => query.get(name) || undefined;
  const clientId = get("client_id");
  const redirectUri = get("redirect_uri");
  if (!clientId) throw new AppError("invalid_request", { description: "The link is missing its client_id." });
  // Parsed before the client is read, so that its project's check of them comes in the same statement; a
  // malformed one is answered below, in its turn.
  let scope: string | null = null;
  let resource: string | null = null;
  let malformed: AppError | undefined;
  try {
    scope = parseScope(get("scope"));
    resource = parseResource(get("resource"));
  } catch (error) {
    malformed = error as AppError;
  }
  const dynamic = isSelfRegisteredClientId(clientId);
  const registered = dynamic ? await selfRegisteredClient(deps, clientId, get("resource"), address) : null;
  const target = malformed ? { scope: null, resource: null } : { scope, resource };
  const client = dynamic ? null : await requestClient(deps, clientId, target);
  const redirectUris = registered?.redirect_uris ?? client?.redirect_uris;
  if (!redirectUris) {
    throw new AppError("invalid_client", { description: "This app is not registered with Astapa." });
  }
  // Astapa's own pages sign in for projects' own clients only, never for a self-registered one.
  const allowed = [...redirectUris, ...(dynamic ? [] : ownRedirectUris)];
  if (!redirectUri || !matchRedirectUri(allowed, redirectUri)) {
    throw new AppError("invalid_request", {
      description:
        "The redirect_uri is missing or not registered for this app, so we will not send you there.",
    });
  }
  const back = { redirectUri, state: get("state") };
  const fail = (code: string, message: string) => new AuthorizeRedirectError(back, code, message);
  if (get("response_type") !== undefined && get("response_type") !== "code") {
    throw fail("unsupported_response_type", "Only response_type=code is supported.");
  }
  const challenge = get("code_challenge");
  const method = get("code_challenge_method");
  if (challenge !== undefined && (method ?? "plain") !== "S256") {
    throw fail("invalid_request", "code_challenge_method must be S256.");
  }
  if (challenge !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
    throw fail("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters).");
  }
  if (method !== undefined && challenge === undefined) {
    throw fail("invalid_request", "code_challenge is missing.");
  }
  if (malformed) throw fail(malformed.code, malformed.description);
  const maxAge = get("max_age");
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) {
    throw fail("invalid_request", "max_age must be a whole number of seconds.");
  }
  if ((get("acr_values")?.length ?? 0) > 500) throw fail("invalid_request", "acr_values is too long.");
  if ((get("nonce")?.length ?? 0) > 500 || (back.state?.length ?? 0) > 2000) {
    throw fail("invalid_request", "state or nonce is too long.");
  }
  const organization = get("organization");
  if (organization !== undefined && !/^[a-z0-9_-]{1,64}$/.test(organization)) {
    throw fail("invalid_request", "organization must be an organization's id or slug.");
  }
  const invitation = get("invitation");
  if (invitation !== undefined && !/^[A-Za-z0-9_-]{20,100}$/.test(invitation)) {
    throw fail("invalid_request", "invitation is not an invitation token.");
  }
  const dpopJkt = get("dpop_jkt");
  if (dpopJkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt)) {
    throw fail("invalid_request", "dpop_jkt must be a base64url SHA-256 JWK thumbprint (43 characters).");
  }
  const idTokenHint = get("id_token_hint");
  if ((idTokenHint?.length ?? 0) > 8192) throw fail("invalid_request", "id_token_hint is too long.");
  const request = {
    organization,
    invitation,
    dpopJkt,
    idTokenHint,
    clientId,
    redirectUri,
    state: back.state,
    scope: scope ?? "",
    codeChallenge: challenge,
    nonce: get("nonce"),
    resource: resource ?? undefined,
    prompt: get("prompt"),
    acrValues: get("acr_values"),
    maxAge: maxAge === undefined ? undefined : Number(maxAge),
    loginHint: get("login_hint")?.slice(0, 254),
    uiLocales: get("ui_locales"),
  };
  if (registered) {
    return {
      ...request,
      ...await dynamicClientTarget(sql, registered, { scope, resource, challenge }, fail),
    };
  }
  if (!client) throw new Error("unreachable: a client was found above");
  // The project's own client may name only its project's resources and scopes (issue 17 #7).
  if (client.refusal) {
    const refused = toAppError({ code: client.refusal.sqlstate, message: client.refusal.message });
    throw fail(refused.code, refused.description);
  }
  return {
    ...request,
    project: { id: client.project_id, name: client.name, mode: client.mode, settings: client.settings },
  };
}

/**
 * Exact string match (RFC 6749 §3.1.2.3), except that a registered loopback URI matches any port, as native
 * apps listen on a port the OS picks (RFC 8252 §7.3).
 */
export function matchRedirectUri(registered: string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  let url: URL;
  try {
    url = new URL(presented);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return false;
  const withoutPort = (u: URL) => `${u.protocol}//${u.hostname}${u.pathname}${u.search}`;
  return registered.some((uri) => {
    try {
      const candidate = new URL(uri);
      return candidate.hostname === url.hostname && withoutPort(candidate) === withoutPort(url) && !url.hash;
    } catch {
      return false;
    }
  });
}

/** The app's redirect URI with our parameters added (its own query kept), always with state and iss. */
export function redirectTo(
  request: Pick<AuthorizeRequest, "redirectUri" | "state">,
  issuer: string,
  params: Record<string, string>,
): string {
  const url = new URL(request.redirectUri);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (request.state !== undefined) url.searchParams.set("state", request.state);
  url.searchParams.set("iss", issuer);
  return url.toString();
}

/** The request as a query string again, to carry through the form. */
export function requestQuery(query: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const name of AUTHORIZE_PARAMS) {
    const value = query.get(name);
    if (value) kept.set(name, value);
  }
  return kept.toString();
}

/**
 * The authorization request as a query string again, from its parsed form (a later step's link carries it):
 * every accepted parameter it holds, so that prompt=login, max_age, login_hint or ui_locales still apply there.
 */
export function authorizeQuery(request: AuthorizeRequest): string {
  const params = new URLSearchParams();
  for (const name of AUTHORIZE_PARAMS) {
    const value = PARAMS[name](request);
    if (value !== undefined && value !== "") params.set(name, String(value));
  }
  return params.toString();
}

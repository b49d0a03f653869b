/**
 * The OpenID Connect authorization code flow through oauth4webapi, for any issuer: discovery, authorization code +
 * PKCE (S256), state and nonce, and a validated ID token (claims by processAuthorizationCodeResponse, signature
 * against the discovered JWKS). Google (google.ts) and enterprise SSO connections (lib/login/sso/) both use it;
 * each passes its own request options (deadline, and for tenant-chosen issuers a fetch through the SSRF guard).
 */
import * as oauth from "oauth4webapi";
import { decodeJwt } from "jose";
import type { ProviderCredentials } from "./providers.ts";
import type { UpstreamFlow } from "./upstream.ts";
import { answered, atEndpoint } from "./endpoint.ts";
import { clientAuthentication } from "./client_auth.ts";

/**
 * How a provider departs from the default request (scope `openid email profile`, PKCE S256, the answer in the
 * query): Apple asks for `name email`, answers by form_post and takes no PKCE (apple.ts says why). `issuer`:
 * for an issuer whose discovery document names another issuer than its URL (Microsoft's multi-tenant endpoints,
 * microsoft.ts), the discovered issuer to accept and the `iss` an ID token must then carry exactly.
 */
export type OidcFlavour = {
  scope?: string;
  responseMode?: "form_post";
  pkce?: false;
  issuer?: IssuerRule;
};

/** See OidcFlavour. `idToken` is given the ID token's claims before validation, to name the one issuer to expect. */
export type IssuerRule = {
  discovered(issuer: string): boolean;
  idToken(discoveredIssuer: string, claims: Record<string, unknown>): string;
};

/** What every request to the issuer carries (requestOptions, plus maybe a customFetch). */
export type OidcRequestOptions = {
  signal?: (url: string) => AbortSignal;
  [oauth.allowInsecureRequests]?: boolean;
  [oauth.customFetch]?: (
    url: string,
    options: oauth.CustomFetchOptions<string, URLSearchParams | undefined>,
  ) => Promise<Response>;
};

// Discovery documents per issuer, kept for an hour; a failed fetch is not kept.
const discovered = new Map<string, { at: number; as: Promise<oauth.AuthorizationServer> }>();

/**
 * The issuer's discovery document (RFC 8414 / OIDC Discovery), validated against the issuer — or, with `accept`,
 * its issuer must be one `accept` allows (exactly; oauth4webapi compares it).
 */
export function discover(
  issuer: string,
  options: OidcRequestOptions,
  accept?: IssuerRule["discovered"],
): Promise<oauth.AuthorizationServer> {
  const cached = discovered.get(issuer);
  if (cached && Date.now() - cached.at < 3600_000) return cached.as;
  const as = atEndpoint("discovery", async () => {
    const url = new URL(issuer);
    const response = await answered(await oauth.discoveryRequest(url, { algorithm: "oidc", ...options }));
    let expected = url;
    if (accept) {
      const named = await discoveredIssuer(response);
      if (named !== null && accept(named)) expected = new URL(named);
    }
    return await oauth.processDiscoveryResponse(expected, response);
  });
  discovered.set(issuer, { at: Date.now(), as });
  as.catch(() => discovered.delete(issuer));
  return as;
}

/** The issuer a discovery answer names, or null when it names none (oauth4webapi then refuses the answer). */
async function discoveredIssuer(response: Response): Promise<string | null> {
  try {
    const { issuer } = await response.clone().json();
    return typeof issuer === "string" && URL.canParse(issuer) ? issuer : null;
  } catch {
    return null;
  }
}

/**
 * The claims of the ID token in a token endpoint answer, not yet validated: only to pick the one issuer the
 * validation then requires (a token whose claims cannot be read gets {} and fails that validation).
 */
async function unvalidatedIdTokenClaims(response: Response): Promise<Record<string, unknown>> {
  try {
    const { id_token } = await response.clone().json();
    return decodeJwt(id_token);
  } catch {
    return {};
  }
}

/** Told a jwks_uri whose keys an ID token showed to have changed, so other caches of those keys drop theirs. */
const rotationListeners: ((jwksUri: string) => void)[] = [];
export function onSigningKeysRotated(listener: (jwksUri: string) => void) {
  rotationListeners.push(listener);
}

/**
 * The ID token's signature against the issuer's keys. oauth4webapi keeps an issuer's key set for five minutes and
 * fetches it again for an unknown kid only once its copy is a minute old, so an IdP that rotated its signing key
 * just after a sign-in fetched the set would fail the next ones for up to a minute. An unknown kid therefore
 * fetches the set once more at once (a copy of the discovery document has no cached keys), and that copy replaces
 * the cached one. Only the IdP's own token endpoint answer can cause this, one fetch per sign-in at most.
 */
async function verifyIdTokenSignature(
  issuer: string,
  as: oauth.AuthorizationServer,
  response: Response,
  options: OidcRequestOptions,
) {
  try {
    await oauth.validateApplicationLevelSignature(as, response, options);
  } catch (error) {
    if (!(error instanceof oauth.OperationProcessingError && error.code === oauth.KEY_SELECTION)) throw error;
    const fresh = { ...as };
    await oauth.validateApplicationLevelSignature(fresh, response, options);
    const cached = discovered.get(issuer);
    if (cached) discovered.set(issuer, { at: cached.at, as: Promise.resolve(fresh) });
    if (as.jwks_uri) { for (const listener of rotationListeners) listener(as.jwks_uri); }
  }
}

/** An OpenID Connect provider at `issuer`: where to send the browser, and the validated ID token's claims after. */
export function oidcProvider(issuer: string, options: OidcRequestOptions, flavour: OidcFlavour = {}) {
  const provider = {
    async authorizationUrl(clientId: string, redirectUri: string, flow: UpstreamFlow): Promise<URL> {
      const as = await discover(issuer, options, flavour.issuer?.discovered);
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: "code",
        scope: flavour.scope ?? "openid email profile",
        ...(flavour.responseMode ? { response_mode: flavour.responseMode } : {}),
        state: flow.state,
        nonce: flow.nonce,
        ...(flavour.pkce === false ? {} : {
          code_challenge: await oauth.calculatePKCECodeChallenge(flow.verifier),
          code_challenge_method: "S256",
        }),
      }).toString();
      return url;
    },

    /**
     * Checks the callback's state, redeems the code (PKCE) and validates the ID token (nonce, signature).
     * `callback`: the redirect back (its query), or a form_post answer's fields.
     */
    async idTokenClaims(
      credentials: ProviderCredentials,
      redirectUri: string,
      callback: URL | URLSearchParams,
      flow: UpstreamFlow,
    ): Promise<oauth.IDToken> {
      return (await provider.exchange(credentials, redirectUri, callback, flow)).claims;
    },

    /**
     * As idTokenClaims, with the refresh token the exchange returned, if any (Apple's is kept to revoke), and the
     * ID token as sent (an SSO sign-in keeps it for RP-initiated logout's id_token_hint).
     */
    async exchange(
      credentials: ProviderCredentials,
      redirectUri: string,
      callback: URL | URLSearchParams,
      flow: UpstreamFlow,
    ): Promise<{ claims: oauth.IDToken; refreshToken: string | null; idToken: string }> {
      const as = await discover(issuer, options, flavour.issuer?.discovered);
      const client: oauth.Client = { client_id: credentials.clientId };
      const params = await atEndpoint(
        "authorization",
        () => oauth.validateAuthResponse(as, client, callback, flow.state),
      );
      const { response, result } = await atEndpoint("token", async () => {
        const response = await answered(
          await oauth.authorizationCodeGrantRequest(
            as,
            client,
            await clientAuthentication(credentials, issuer),
            params,
            redirectUri,
            flavour.pkce === false ? oauth.nopkce : flow.verifier,
            options,
          ),
        );
        // The ID token's `iss` is checked against as.issuer: the one the flavour names for this token, if any.
        const expected = flavour.issuer
          ? { ...as, issuer: flavour.issuer.idToken(as.issuer, await unvalidatedIdTokenClaims(response)) }
          : as;
        const result = await oauth.processAuthorizationCodeResponse(expected, client, response, {
          expectedNonce: flow.nonce,
          requireIdToken: true,
        });
        return { response, result };
      });
      // The ID token's signature, against the keys at the discovered jwks_uri (fetched and kept by oauth4webapi).
      await atEndpoint("jwks", () => verifyIdTokenSignature(issuer, as, response, options));
      return {
        claims: oauth.getValidatedIdTokenClaims(result)!,
        refreshToken: result.refresh_token ?? null,
        idToken: result.id_token!,
      };
    },
  };
  return provider;
}

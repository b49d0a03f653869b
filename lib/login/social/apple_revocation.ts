/**
 * Apple's refresh tokens, kept to be revoked (App Store Review Guideline 5.1.1(v): an app that deletes accounts
 * revokes the person's Sign in with Apple tokens). Sealed with the master key's social key, bound to the project
 * and the Services ID the token was issued to, so a sealed token copied to another project or client does not
 * open. Revoked with the credentials of that Services ID: the project's own Apple app, or the deployment's.
 */
import * as oauth from "oauth4webapi";
import type { Deps } from "@/lib/app_env.ts";
import type { KeptAppleToken, ProviderIdentity } from "@/db/social.ts";
import { open, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";
import { type ProviderCredentials, providerCredentials } from "./providers.ts";
import { deploymentAppleKey } from "./apple_key.ts";
import { discover } from "./oidc.ts";
import { clientAuthentication } from "./client_auth.ts";
import { requestOptions } from "./request_options.ts";

type Project = { id: string; settings: Record<string, unknown> };

/** What a kept Apple refresh token is sealed for: the project and the Services ID it was issued to. */
export function appleTokenContext(projectId: string, clientId: string): string {
  return `astapa apple refresh_token ${projectId} ${clientId}`;
}

/** The refresh token of an Apple sign-in, sealed for api.sign_in_with_apple; undefined when there is none. */
export async function keptAppleToken(
  deps: Pick<Deps, "masterKeys">,
  projectId: string,
  credentials: ProviderCredentials,
  identity: ProviderIdentity,
): Promise<KeptAppleToken | undefined> {
  if (identity.provider !== "apple" || !identity.refreshToken) return undefined;
  const sealed = await seal(
    deps.masterKeys.social,
    new TextEncoder().encode(identity.refreshToken),
    appleTokenContext(projectId, credentials.clientId),
  );
  return { clientId: credentials.clientId, tokenSealed: base64url.encode(sealed) };
}

/** A kept token in clear, for its revocation; throws when it does not open (another master key). */
export async function openAppleToken(
  deps: Pick<Deps, "masterKeys">,
  projectId: string,
  clientId: string,
  sealed: string,
): Promise<string> {
  const plain = await open(
    deps.masterKeys.social,
    base64url.decode(sealed),
    appleTokenContext(projectId, clientId),
  );
  return new TextDecoder().decode(plain);
}

/**
 * The credentials of the Services ID a token was issued to: the project's own Apple app when it is that one
 * (even while Apple is switched off for the project), else the deployment's when it is that one; null when
 * neither is any longer.
 */
export async function revocationCredentials(
  deps: Pick<Deps, "config" | "masterKeys">,
  project: Project,
  clientId: string,
): Promise<ProviderCredentials | null> {
  const social = (project.settings.social_login ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const own = await providerCredentials(deps, {
    id: project.id,
    settings: { social_login: { apple: { ...social.apple, enabled: undefined } } },
  }, "apple");
  if (own && own.clientId === clientId) return own;
  const key = deploymentAppleKey(deps.config.apple);
  return key && deps.config.apple.clientId === clientId ? { clientId, appleKey: key } : null;
}

/**
 * POSTs the token to Apple's revocation endpoint (from discovery: /auth/revoke) with a fresh client secret,
 * token_type_hint=refresh_token. Returns Apple's HTTP status (200: revoked, or no longer valid); throws when
 * Apple could not be reached or answered in time.
 */
export async function revokeAppleToken(
  config: Deps["config"],
  credentials: ProviderCredentials,
  token: string,
): Promise<number> {
  const { issuer } = config.apple;
  const options = requestOptions(issuer, config.socialTimeoutMs);
  const as = await discover(issuer, options);
  const response = await oauth.revocationRequest(
    as,
    { client_id: credentials.clientId },
    await clientAuthentication(credentials, issuer),
    token,
    { ...options, additionalParameters: { token_type_hint: "refresh_token" } },
  );
  await response.body?.cancel();
  return response.status;
}

/**
 * Which sign-in providers a project offers and with whose credentials. A project's own settings win
 * (`settings.social_login.<provider>`: `enabled: false` turns the provider off; `client_id` +
 * `client_secret_sealed` use the project's own OAuth app; Apple's own app is `client_id` (the Services ID),
 * `team_id`, `key_id` + `private_key_sealed`; Microsoft's may add its `tenant`), then the deployment's GOOGLE_* /
 * GITHUB_* / APPLE_* / MICROSOFT_* env.
 * No credentials anywhere → no button and a 404 for the provider's routes.
 */
import { z } from "zod";
import { MICROSOFT_TENANT_PATTERN } from "@/config.ts";
import type { Deps } from "@/lib/app_env.ts";
import { open, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";
import { type AppleKey, AppleSettings, deploymentAppleKey } from "./apple_key.ts";

/**
 * In display order: Apple's guidelines ask that it be no less prominent than the others, so it is not last;
 * Microsoft, added later, comes after them.
 */
export const PROVIDERS = ["google", "apple", "github", "microsoft"] as const;
export type ProviderId = typeof PROVIDERS[number];

/** How pages name each provider (the same in every language). */
export const PROVIDER_NAMES: Record<ProviderId, string> = {
  google: "Google",
  apple: "Apple",
  github: "GitHub",
  microsoft: "Microsoft",
};

/**
 * A client secret (Google, GitHub, Microsoft: with the tenant its app signs people in from), or Apple's signing
 * key from which each client secret is made.
 */
export type ProviderCredentials =
  | { clientId: string; clientSecret: string; tenant?: string }
  | { clientId: string; appleKey: AppleKey };

const ProjectProvider = z.object({
  enabled: z.boolean().optional(),
  client_id: z.string().min(1).max(500).optional(),
  client_secret_sealed: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
});
/** Microsoft's own app may name its tenant (common when not): the app registration's supported account types. */
const MicrosoftSettings = ProjectProvider.extend({
  tenant: z.string().regex(MICROSOFT_TENANT_PATTERN).optional(),
});
const SocialSettings = z.object({
  google: ProjectProvider.optional(),
  github: ProjectProvider.optional(),
  apple: AppleSettings.optional(),
  microsoft: MicrosoftSettings.optional(),
}).catch({});

type Project = { id: string; settings: Record<string, unknown> };

export function isProvider(name: string): name is ProviderId {
  return (PROVIDERS as readonly string[]).includes(name);
}

/** The credentials to use for this project's sign-in with `provider`, or null when it is not offered. */
export async function providerCredentials(
  deps: Pick<Deps, "config" | "masterKeys">,
  project: Project,
  provider: ProviderId,
): Promise<ProviderCredentials | null> {
  const settings = SocialSettings.parse(project.settings.social_login ?? {});
  if (provider === "apple") return await appleCredentials(deps, project.id, settings.apple);
  const own = settings[provider];
  if (own?.enabled === false) return null;
  if (own?.client_id && own.client_secret_sealed) {
    const secret = await openSealed(deps, project.id, provider, own.client_secret_sealed);
    if (secret === null) return null;
    return provider === "microsoft"
      ? { clientId: own.client_id, clientSecret: secret, tenant: settings.microsoft?.tenant ?? "common" }
      : { clientId: own.client_id, clientSecret: secret };
  }
  const { clientId, clientSecret } = deps.config[provider];
  if (!clientId || !clientSecret) return null;
  return provider === "microsoft"
    ? { clientId, clientSecret, tenant: deps.config.microsoft.tenant }
    : { clientId, clientSecret };
}

async function appleCredentials(
  deps: Pick<Deps, "config" | "masterKeys">,
  projectId: string,
  own: z.infer<typeof AppleSettings> | undefined,
): Promise<ProviderCredentials | null> {
  if (own?.enabled === false) return null;
  if (own?.client_id && own.team_id && own.key_id && own.private_key_sealed) {
    const privateKey = await openSealed(deps, projectId, "apple", own.private_key_sealed);
    if (privateKey === null) return null;
    return { clientId: own.client_id, appleKey: { teamId: own.team_id, keyId: own.key_id, privateKey } };
  }
  const appleKey = deploymentAppleKey(deps.config.apple);
  return appleKey ? { clientId: deps.config.apple.clientId!, appleKey } : null;
}

/** A project's sealed secret in clear, or null when it was sealed under another master key (as if unset). */
async function openSealed(
  deps: Pick<Deps, "masterKeys">,
  projectId: string,
  provider: ProviderId,
  sealed: string,
): Promise<string | null> {
  try {
    const plain = await open(
      deps.masterKeys.social,
      base64url.decode(sealed),
      providerSecretContext(projectId, provider),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null; // rather than a broken page
  }
}

/** The providers the deployment's own credentials serve (projects without their own app). */
export function deploymentProviders(config: Deps["config"]): ProviderId[] {
  return PROVIDERS.filter((provider) =>
    provider === "apple"
      ? deploymentAppleKey(config.apple) !== null
      : config[provider].clientId && config[provider].clientSecret
  );
}

/** The providers whose buttons the project's sign-in pages show, in display order. */
export async function enabledProviders(
  deps: Pick<Deps, "config" | "masterKeys">,
  project: Project,
): Promise<ProviderId[]> {
  const offered: ProviderId[] = [];
  for (const provider of PROVIDERS) {
    if (await providerCredentials(deps, project, provider)) offered.push(provider);
  }
  return offered;
}

/**
 * Seals a project's own client secret for `settings.social_login.<provider>.client_secret_sealed` (Apple: its
 * private key, for `private_key_sealed`).
 */
export async function sealProviderSecret(
  key: CryptoKey,
  projectId: string,
  provider: ProviderId,
  secret: string,
): Promise<string> {
  return base64url.encode(
    await seal(key, new TextEncoder().encode(secret), providerSecretContext(projectId, provider)),
  );
}

/** What a project's own client secret (Apple: private key) is sealed for. */
export function providerSecretContext(projectId: string, provider: ProviderId): string {
  return `astapa social ${projectId} ${provider} client_secret`;
}

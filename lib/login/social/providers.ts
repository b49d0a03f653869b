/**
 * Which sign-in providers a project offers and with whose credentials. A project's own settings win
 * (`settings.social_login.<provider>`: `enabled: false` turns the provider off; `client_id` +
 * `client_secret_sealed` use the project's own OAuth app), then the deployment's GOOGLE_* / GITHUB_* env.
 * No credentials anywhere → no button and a 404 for the provider's routes.
 */
import { z } from "zod";
import type { Deps } from "@/lib/app_env.ts";
import { open, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";

export const PROVIDERS = ["google", "github"] as const;
export type ProviderId = typeof PROVIDERS[number];

/** How pages name each provider (the same in every language). */
export const PROVIDER_NAMES: Record<ProviderId, string> = { google: "Google", github: "GitHub" };

export type ProviderCredentials = { clientId: string; clientSecret: string };

const ProjectProvider = z.object({
  enabled: z.boolean().optional(),
  client_id: z.string().min(1).max(500).optional(),
  client_secret_sealed: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
});
const SocialSettings = z.object({
  google: ProjectProvider.optional(),
  github: ProjectProvider.optional(),
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
  const own = SocialSettings.parse(project.settings.social_login ?? {})[provider];
  if (own?.enabled === false) return null;
  if (own?.client_id && own.client_secret_sealed) {
    try {
      const secret = await open(
        deps.masterKeys.social,
        base64url.decode(own.client_secret_sealed),
        sealContext(project.id, provider),
      );
      return { clientId: own.client_id, clientSecret: new TextDecoder().decode(secret) };
    } catch {
      return null; // sealed under another master key: as if unset, rather than a broken page
    }
  }
  const { clientId, clientSecret } = deps.config[provider];
  return clientId && clientSecret ? { clientId, clientSecret } : null;
}

/** The providers the deployment's own GOOGLE_* / GITHUB_* credentials serve (projects without their own app). */
export function deploymentProviders(config: Deps["config"]): ProviderId[] {
  return PROVIDERS.filter((provider) => config[provider].clientId && config[provider].clientSecret);
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

/** Seals a project's own client secret for `settings.social_login.<provider>.client_secret_sealed`. */
export async function sealProviderSecret(
  key: CryptoKey,
  projectId: string,
  provider: ProviderId,
  secret: string,
): Promise<string> {
  return base64url.encode(
    await seal(key, new TextEncoder().encode(secret), sealContext(projectId, provider)),
  );
}

function sealContext(projectId: string, provider: ProviderId): string {
  return `astapa social ${projectId} ${provider} client_secret`;
}

import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { getProject } from "@/db/projects.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import type { Tx } from "@/db/client.ts";
import { AppError } from "@/lib/http/errors.ts";
import { type ProviderId, PROVIDERS, sealProviderSecret } from "@/lib/login/social/providers.ts";
import { MICROSOFT_TENANT_PATTERN } from "@/config.ts";
import {
  APPLE_SERVICES_ID,
  APPLE_TEN_CHARACTER_ID,
  applePem,
  isApplePrivateKey,
} from "@/lib/login/social/apple_key.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const SocialForm = z.object({
  csrf: z.string(),
  provider: z.enum(PROVIDERS),
  action: z.enum(["off", "default", "credentials"]),
  client_id: z.string().trim().max(500).default(""),
  client_secret: z.string().trim().max(2000).default(""),
  // Apple's own app: a Services ID, Team ID, Key ID and the .p8 file's text.
  team_id: z.string().trim().max(100).default(""),
  key_id: z.string().trim().max(100).default(""),
  private_key: z.string().trim().max(4000).default(""),
  // Microsoft's own app: its tenant (empty: common).
  tenant: z.string().trim().max(253).default(""),
});
type Form = z.infer<typeof SocialForm>;

/**
 * POST /dashboard/projects/:id/settings/social: a provider off, back to the deployment's credentials, or the
 * project's own OAuth app (the secret — Apple: the private key — sealed as `astapa social … credentials` seals
 * it; empty keeps the sealed one).
 */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", SocialForm, async (tx, projectId, form) => {
      let entry: Record<string, unknown> | null = null;
      if (form.action === "off") entry = { enabled: false };
      if (form.action === "credentials") {
        const current = await ownEntry(tx, projectId, form.provider);
        const seal = (secret: string) =>
          sealProviderSecret(c.var.deps.masterKeys.social, projectId, form.provider, secret);
        entry = form.provider === "apple"
          ? await appleEntry(form, current?.private_key_sealed, seal)
          : await secretEntry(form, current?.client_secret_sealed, seal);
      }
      await updateProjectSettings(tx, projectId, { social_login: { [form.provider]: entry } });
      return "social_saved";
    }),
};

async function ownEntry(tx: Tx, projectId: string, provider: ProviderId) {
  const social = (await getProject(tx, projectId)).settings.social_login as
    | Record<string, { client_secret_sealed?: string; private_key_sealed?: string }>
    | undefined;
  return social?.[provider];
}

async function secretEntry(form: Form, kept: string | undefined, seal: (secret: string) => Promise<string>) {
  if (!form.client_id || (!form.client_secret && !kept)) {
    throw new AppError("validation_failed", {
      description: "Enter both the client id and the client secret of your OAuth app.",
    });
  }
  if (form.provider === "microsoft" && form.tenant && !MICROSOFT_TENANT_PATTERN.test(form.tenant)) {
    throw new AppError("validation_failed", {
      description: "The Microsoft tenant is common, organizations, consumers, a tenant ID or a domain.",
    });
  }
  return {
    client_id: form.client_id,
    client_secret_sealed: form.client_secret ? await seal(form.client_secret) : kept,
    ...(form.provider === "microsoft" ? { tenant: form.tenant || "common" } : {}),
  };
}

/** Apple's entry, every part checked here so the person reads which one is wrong (never the key itself). */
async function appleEntry(form: Form, kept: string | undefined, seal: (secret: string) => Promise<string>) {
  const refuse = (description: string) => new AppError("validation_failed", { description });
  if (!APPLE_SERVICES_ID.test(form.client_id)) {
    throw refuse("Enter the Services ID (an identifier like com.example.signin).");
  }
  if (!APPLE_TEN_CHARACTER_ID.test(form.team_id) || !APPLE_TEN_CHARACTER_ID.test(form.key_id)) {
    throw refuse("The Team ID and the Key ID are 10 capital letters and digits each.");
  }
  if (!form.private_key && !kept) throw refuse("Paste the private key (the .p8 file's text).");
  if (form.private_key && !(await isApplePrivateKey(form.private_key))) {
    throw refuse("That private key is not the .p8 file Apple gave for Sign in with Apple (PKCS#8, P-256).");
  }
  return {
    client_id: form.client_id,
    team_id: form.team_id,
    key_id: form.key_id,
    private_key_sealed: form.private_key ? await seal(applePem(form.private_key)) : kept,
  };
}

export default function SocialPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}

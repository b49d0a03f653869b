import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { getProject } from "@/db/projects.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { AppError } from "@/lib/http/errors.ts";
import { PROVIDERS, sealProviderSecret } from "@/lib/login/social/providers.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const SocialForm = z.object({
  csrf: z.string(),
  provider: z.enum(PROVIDERS),
  action: z.enum(["off", "default", "credentials"]),
  client_id: z.string().trim().max(500).default(""),
  client_secret: z.string().trim().max(2000).default(""),
});

/**
 * POST /dashboard/projects/:id/settings/social: a provider off, back to the deployment's credentials, or the
 * project's own OAuth app (the secret sealed as `astapa social … credentials` seals it; empty keeps the
 * sealed one).
 */
export const handler: Handlers<SettingsData> = {
  POST: async (c) => {
    const form = await readBody(c, SocialForm, ["form"]);
    return settingsAction(c, "admin", async (tx, projectId) => {
      let entry: Record<string, unknown> | null = null;
      if (form.action === "off") entry = { enabled: false };
      if (form.action === "credentials") {
        const current = (await getProject(tx, projectId)).settings.social_login as
          | Record<string, { client_secret_sealed?: string }>
          | undefined;
        const kept = current?.[form.provider]?.client_secret_sealed;
        if (!form.client_id || (!form.client_secret && !kept)) {
          throw new AppError("validation_failed", {
            description: "Enter both the client id and the client secret of your OAuth app.",
          });
        }
        entry = {
          client_id: form.client_id,
          client_secret_sealed: form.client_secret
            ? await sealProviderSecret(
              c.var.deps.masterKeys.social,
              projectId,
              form.provider,
              form.client_secret,
            )
            : kept,
        };
      }
      await updateProjectSettings(tx, projectId, { social_login: { [form.provider]: entry } });
      return "social_saved";
    });
  },
};

export default function SocialPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}

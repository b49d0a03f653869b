import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { prepared } from "@/lib/dashboard/form_action.ts";
import { AppError } from "@/lib/http/errors.ts";
import { updateLogoutSettings } from "@/db/backchannel_logouts.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { readLogoutMetadata } from "@/lib/oauth/logout_metadata.ts";
import { urlVerdict } from "@/lib/platform/webhook_endpoint_input.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const LogoutForm = z.object({
  csrf: z.string(),
  post_logout_redirect_uris: z.string().max(50_000).default(""),
  backchannel_logout_uri: z.string().trim().max(2000).default(""),
  backchannel_logout_session_required: z.literal("on").optional(),
});

/**
 * POST /dashboard/projects/:id/settings/logout: the project client's logout metadata (admins), through the
 * function the Platform API's /api/platform/logout-settings uses; an empty field removes its setting.
 */
export const handler: Handlers<SettingsData> = {
  POST: (c) => {
    // The backchannel URI's address is looked up before the transaction: a slow resolver is not held in it.
    const body = prepared(LogoutForm, async (form) => ({
      form,
      internalReason: await urlVerdict(c, form.backchannel_logout_uri || undefined),
    }));
    return settingsAction(c, "admin", body, async (tx, projectId, { form, internalReason }) => {
      const uris = form.post_logout_redirect_uris.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
      const checked = readLogoutMetadata({
        post_logout_redirect_uris: uris,
        ...(form.backchannel_logout_uri ? { backchannel_logout_uri: form.backchannel_logout_uri } : {}),
      });
      if ("problem" in checked) throw new AppError("validation_failed", { description: checked.problem });
      await updateLogoutSettings(tx, projectId, {
        post_logout_redirect_uris: uris.length ? uris : null,
        backchannel_logout_uri: form.backchannel_logout_uri || null,
        backchannel_logout_session_required: form.backchannel_logout_session_required === "on" ? true : null,
      }, internalReason);
      return "logout_saved";
    });
  },
};

export default function LogoutPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}

import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { ModeSchema } from "@/db/projects.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { setXenditPublicKey } from "@/db/linked_methods.ts";
import { AppError } from "@/lib/http/errors.ts";
import { sealXenditKeys, xenditKeysProblem } from "@/lib/payments/accounts.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const XenditForm = z.object({
  csrf: z.string(),
  environment: ModeSchema,
  action: z.enum(["save", "remove"]),
  secret_key: z.string().trim().max(500).default(""),
  callback_token: z.string().trim().max(500).default(""),
  // Publishable: Xendit.js in the portal tokenises cards with it (docs/billing.md "Cards on file").
  public_key: z.string().trim().max(300).default(""),
});

/** POST /dashboard/projects/:id/settings/xendit: a project's test or live keys, sealed; or removes them. */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", XenditForm, async (tx, projectId, form) => {
      if (form.action === "remove") {
        await setXenditKeys(tx, projectId, form.environment, null);
        return "xendit_removed";
      }
      const keys = { secretKey: form.secret_key, callbackToken: form.callback_token };
      const problem = xenditKeysProblem(form.environment, keys);
      if (problem) throw new AppError("validation_failed", { description: problem });
      const sealed = await sealXenditKeys(c.var.deps.masterKeys.payments, projectId, form.environment, keys);
      await setXenditKeys(tx, projectId, form.environment, sealed);
      if (form.public_key) await setXenditPublicKey(tx, projectId, form.environment, form.public_key);
      return "xendit_saved";
    }),
};

export default function XenditPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}

import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { createImpersonation } from "@/db/impersonations.ts";
import { getEnvironmentUser } from "@/db/user_admin.ts";
import { developer } from "@/lib/dashboard/access.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { userIdOf, userView } from "@/lib/dashboard/user_page.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const ImpersonationForm = z.object({
  csrf: z.string(),
  minutes: z.enum(["5", "15", "30", "60"]).default("15"),
  reason: z.string().trim().max(500).default(""),
});

/**
 * POST …/users/:sub/impersonation (admins and owners): a one-time link that signs the browser opening it in as the
 * user (docs/impersonation.md), the actor being the signed-in developer's email. The link is shown once, on the
 * page this answers with; it opens within 5 minutes.
 */
export const handler: Handlers<UserViewData> = {
  POST: async (c) => {
    const userId = userIdOf(c);
    const actor = developer(c).session.email;
    const token = randomSecret();
    return await formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/users/${userId}`,
      body: ImpersonationForm,
      load: userView(c),
      run: async (tx, projectId, role, form) => {
        await getEnvironmentUser(tx, projectId, userId);
        const made = await createImpersonation(tx, projectId, userId, {
          actor,
          reason: form.reason || undefined,
          minutes: Number(form.minutes),
          tokenHash: await sha256(token),
        });
        const data = await userView(c)(tx, role, projectId, {});
        const link = new URLSearchParams({ client_id: data.project.client_id, token });
        const url = `${c.var.deps.config.baseUrl}/auth/impersonate?${link}`;
        return { ...data, impersonation: { url, expires_at: made.expires_at, ends_at: made.ends_at } };
      },
      title: (data) => data.user.email ?? data.user.phone_number ?? data.user.id,
    });
  },
};

export default function ImpersonationPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { unlinkUserMethod } from "@/lib/payments/linked_methods.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const UnlinkForm = z.object({ csrf: z.string(), method: z.string().regex(/^lpm_[a-z2-7]{24}$/) });

/**
 * POST …/users/:sub/linked-methods: admins and owners unlink a user's e-wallet — expired at Xendit first (as
 * the portal and the Platform API do), then api.unlink_method, all in the dashboard's transaction, so the audit
 * entry names the developer. Renewals go back to the pay-link mail.
 */
export const handler: Handlers<UserViewData> = {
  POST: async (c) => {
    const form = await readBody(c, UnlinkForm, ["form"]);
    return userAction(c, async (tx, projectId, userId) => {
      await unlinkUserMethod(c.var.deps, projectId, userId, form.method, (work) => work(tx));
      return "method_unlinked";
    });
  },
};

export default function LinkedMethodsPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

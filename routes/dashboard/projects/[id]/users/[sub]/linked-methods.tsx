import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { requestMethodUnlink } from "@/db/linked_methods.ts";
import { finishUnlink } from "@/lib/payments/linked_methods.ts";
import { actorOf, developer } from "@/lib/dashboard/access.ts";
import { AfterCommit } from "@/lib/dashboard/form_action.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const UnlinkForm = z.object({ csrf: z.string(), method: z.string().regex(/^lpm_[a-z2-7]{24}$/) });

/**
 * POST …/users/:sub/linked-methods: admins and owners unlink a user's e-wallet, as the portal and the Platform API
 * do: marked in the dashboard's transaction (the audit entry names the developer), expired at Xendit once that
 * transaction has ended, then ended (lib/payments/linked_methods.ts). Renewals go back to the pay-link mail.
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) => {
    const context = { actor: actorOf(developer(c)) };
    return userAction(c, UnlinkForm, async (tx, projectId, userId, form) => {
      const requested = await requestMethodUnlink(tx, projectId, userId, form.method);
      return new AfterCommit(async () => {
        await finishUnlink(c.var.deps, projectId, userId, requested, context);
        return "method_unlinked";
      });
    });
  },
};

export default function LinkedMethodsPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

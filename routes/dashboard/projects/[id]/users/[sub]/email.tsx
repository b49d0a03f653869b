import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateUser } from "@/db/user_admin.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

// An unticked box is absent from the form: the address is then not (or no longer) verified.
const EmailForm = z.object({
  csrf: z.string(),
  email: z.string().max(254),
  email_verified: z.literal("true").optional(),
});

/** POST …/users/:sub/email: the address and whether it is verified, through api.update_user (SQL judges). */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, EmailForm, async (tx, projectId, userId, form) => {
      await updateUser(tx, projectId, userId, {
        email: form.email.trim(),
        email_verified: form.email_verified === "true",
      });
      return "email_saved";
    }),
};

export default function EmailPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

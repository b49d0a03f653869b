import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError } from "@/lib/http/errors.ts";
import { deleteUser, getEnvironmentUser } from "@/db/user_admin.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { userIdOf, userView } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";
import { deletionConfirmation } from "@/components/dashboard/DeleteUserSection.tsx";

const DeleteForm = z.object({ csrf: z.string(), confirm: z.string().max(254) });

/**
 * POST …/users/:sub/delete (admins): with the user's email (or sub) typed as confirmation, erases the user through
 * api.delete_user and goes back to the users list; a wrong confirmation renders the page again (422).
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) => {
    const userId = userIdOf(c);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/users`,
      body: DeleteForm,
      load: userView(c),
      run: async (tx, projectId, _role, form) => {
        const user = await getEnvironmentUser(tx, projectId, userId);
        if (form.confirm.trim().toLowerCase() !== deletionConfirmation(user).toLowerCase()) {
          throw new AppError("validation_failed", {
            description: `Type ${deletionConfirmation(user)} to confirm the deletion; nothing was deleted.`,
          });
        }
        await deleteUser(tx, projectId, userId);
        return "user_deleted";
      },
      title: (data) => data.user.email ?? data.user.phone_number ?? data.user.id,
    });
  },
};

export default function DeleteUserPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

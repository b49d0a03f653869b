import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { disableUser } from "@/db/users.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const DisabledForm = z.object({ csrf: z.string(), disabled: z.enum(["true", "false"]) });

/** POST …/users/:sub/disabled: disables (or re-enables) the user through api.disable_user. */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, DisabledForm, async (tx, projectId, userId, form) => {
      const disabled = form.disabled === "true";
      await disableUser(tx, projectId, userId, disabled);
      return disabled ? "disabled" : "enabled";
    }),
};

export default function DisabledPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

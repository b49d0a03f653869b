import { z } from "zod";
import type { Handlers } from "../../../../../../lib/router/routes.ts";
import type { PageProps } from "../../../../../../lib/router/page.tsx";
import { readBody } from "../../../../../../lib/http/body.ts";
import { disableUser } from "../../../../../../db/users.ts";
import { formAction } from "../../../../../../lib/dashboard/form_action.ts";
import { userIdOf, userView } from "../../../../../../lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "../../../../../../components/dashboard/UserView.tsx";

const DisabledForm = z.object({ csrf: z.string(), disabled: z.enum(["true", "false"]) });

/** POST …/users/:sub/disabled: disables (or re-enables) the user through api.disable_user. */
export const handler: Handlers<UserViewData> = {
  POST: async (c) => {
    const form = await readBody(c, DisabledForm, ["form"]);
    const userId = userIdOf(c);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/users/${userId}`,
      load: userView(c),
      run: async (tx, projectId) => {
        const disabled = form.disabled === "true";
        await disableUser(tx, projectId, userId, disabled);
        return disabled ? "disabled" : "enabled";
      },
      title: (data) => data.user.email,
    });
  },
};

export default function DisabledPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { updateUser } from "@/db/user_admin.ts";
import { PROFILE_FIELDS, profileInput, refusedProfileField } from "@/lib/platform/profile_body.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

// The Platform API's profile fields (one schema for both); a form posts each as text, blank clearing it.
const ProfileForm = z.object({ csrf: z.string(), ...PROFILE_FIELDS });

/** A refusal of the database's naming a profile field, as that field's error. */
function naming(thrown: unknown): unknown {
  const error = toAppError(thrown);
  const field = error.code === "validation_failed" ? refusedProfileField(error.description) : null;
  if (!field) return thrown;
  return new AppError("validation_failed", {
    description: error.description,
    fields: { [field]: [error.description] },
    cause: thrown,
  });
}

/**
 * POST …/users/:sub/profile: the profile fields through api.update_user, as the Platform API's PATCH sets them
 * (audited user.profile_updated, by admin); a refusal re-renders the form with each field's message.
 */
export const handler: Handlers<UserViewData> = {
  // Refills: a refusal shows the form again as posted, each message beside its field.
  POST: (c) =>
    userAction(c, ProfileForm, async (tx, projectId, userId, form) => {
      await updateUser(tx, projectId, userId, profileInput(form)).catch((thrown) => {
        throw naming(thrown);
      });
      return "profile_saved";
    }, true),
};

export default function ProfilePage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

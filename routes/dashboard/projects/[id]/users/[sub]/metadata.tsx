import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError } from "@/lib/http/errors.ts";
import { patchUserMetadata, type UserMetadata } from "@/db/user_metadata.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const MetadataForm = z.object({ csrf: z.string(), metadata: z.string().max(20000).default("") });

/** The textarea's JSON object ({} when empty); anything else is a problem the page names. */
function metadataOf(text: string): UserMetadata {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError("validation_failed", { description: "Metadata must be valid JSON." });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AppError("validation_failed", {
      description: 'Metadata must be a JSON object, like {"crm_id": "42"}.',
    });
  }
  return parsed as UserMetadata;
}

/** POST …/users/:sub/metadata: replaces the user's metadata with the textarea's object (api.patch_user_metadata). */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, MetadataForm, async (tx, projectId, userId, form) => {
      await patchUserMetadata(tx, projectId, userId, metadataOf(form.metadata), true);
      return "metadata_saved";
    }),
};

export default function MetadataPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

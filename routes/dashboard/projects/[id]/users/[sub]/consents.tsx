import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { revokeConsent } from "@/db/consents.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const RevokeConsentForm = z.object({
  csrf: z.string(),
  client_id: z.string().min(1).max(1000),
  resource: z.string().min(1).max(2000),
});

/**
 * POST …/users/:sub/consents: revokes what the user allowed a third-party client for one resource; the refresh
 * tokens issued under it end (revoked_by_admin) and the client must ask again.
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, RevokeConsentForm, async (tx, _projectId, userId, form) => {
      await revokeConsent(tx, { userId, clientId: form.client_id, resource: form.resource, byAdmin: true });
      return "consent_revoked";
    }),
};

export default function ConsentsPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { withProject } from "@/lib/dashboard/access.ts";
import { userView } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

export const handler: Handlers<UserViewData> = {
  GET: async (c) => {
    const load = userView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, {
      title: `${data.user.email ?? data.user.phone_number ?? data.user.id} · ${data.project.name}`,
    });
  },
};

/** GET /dashboard/projects/:id/users/:sub */
export default function UserPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}

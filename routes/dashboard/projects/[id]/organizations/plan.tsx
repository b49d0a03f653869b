/**
 * POST /dashboard/projects/:id/organizations/plan: an admin puts a team plan the app sells itself on an
 * organization, or takes it away — api.update_organization, as the Platform API's PATCH, so a personal plan is
 * refused here too with its message (issue 28).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateOrganization } from "@/db/organizations.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import {
  OrganizationPlanForm,
  type OrganizationsData,
  organizationsView,
} from "@/lib/dashboard/organizations_page.ts";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { ORGANIZATIONS_TEXT } from "@/lib/dashboard/text/organizations.ts";
import OrganizationsPage from "./index.tsx";

export const handler: Handlers<OrganizationsData> = {
  POST: (c) =>
    formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/organizations`,
      body: OrganizationPlanForm,
      load: organizationsView(c),
      run: async (tx, _projectId, _role, form) => {
        await updateOrganization(tx, form.organization, { plan: form.plan === "" ? null : form.plan });
        return "plan_set";
      },
      title: (data) => `${ORGANIZATIONS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
    }),
};

export default function OrganizationPlanPage(props: PageProps<OrganizationsData>) {
  return <OrganizationsPage {...props} />;
}

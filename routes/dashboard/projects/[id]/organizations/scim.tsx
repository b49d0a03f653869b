/**
 * POST /dashboard/projects/:id/organizations/scim: an admin turns an organization's SCIM directory on or replaces
 * its token (docs/scim.md) — the page is answered at once with the token, shown this once — revokes it, or maps
 * one of its groups to an organization role (api.enable_scim_directory / api.revoke_scim_token / api.map_scim_group,
 * as the Platform API).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { enableScimDirectory, revokeScimToken } from "@/db/scim.ts";
import { mapScimGroup } from "@/db/scim_groups.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import {
  OrganizationScimForm,
  type OrganizationsData,
  organizationsView,
} from "@/lib/dashboard/organizations_page.ts";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { ORGANIZATIONS_TEXT } from "@/lib/dashboard/text/organizations.ts";
import { newScimToken, scimBaseUrl } from "@/lib/scim/caller.ts";
import { sha256 } from "@/lib/secrets.ts";
import OrganizationsPage from "./index.tsx";

export const handler: Handlers<OrganizationsData> = {
  POST: async (c) => {
    const token = newScimToken();
    const hash = await sha256(token);
    const load = organizationsView(c);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/organizations`,
      body: OrganizationScimForm,
      load,
      run: async (tx, projectId, role, form) => {
        if (form.action === "revoke") {
          await revokeScimToken(tx, form.organization);
          return "scim_revoked";
        }
        if (form.action === "map") {
          await mapScimGroup(tx, form.organization, form.group, form.role || null);
          return "scim_group_mapped";
        }
        const directory = await enableScimDirectory(tx, form.organization, hash);
        const data = await load(tx, role, projectId, {});
        const base_url = scimBaseUrl(c.var.deps.config.baseUrl, directory.id);
        return {
          ...data,
          notice: directory.created
            ? ORGANIZATIONS_TEXT[dashboardLang(c)].scimOnNotice
            : ORGANIZATIONS_TEXT[dashboardLang(c)].scimReplacedNotice,
          scimToken: { organization: directory.organization_id, token, base_url },
        };
      },
      title: (data) => `${ORGANIZATIONS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
    });
  },
};

export default function OrganizationScimPage(props: PageProps<OrganizationsData>) {
  return <OrganizationsPage {...props} />;
}

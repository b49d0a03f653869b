import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { withProject } from "@/lib/dashboard/access.ts";
import { settingsView } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { SETTINGS_TEXT } from "@/lib/dashboard/text/settings.ts";

export const handler: Handlers<SettingsData> = {
  GET: async (c) => {
    const data = await withProject(c, "viewer", (tx, role, id) => settingsView(c, tx, id, role));
    return page(data, { title: `${SETTINGS_TEXT[dashboardLang(c)].title} · ${data.project.name}` });
  },
};

/** GET /dashboard/projects/:id/settings */
export default function SettingsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}

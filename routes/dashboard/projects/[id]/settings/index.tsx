import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { withProject } from "@/lib/dashboard/access.ts";
import { settingsView } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

export const handler: Handlers<SettingsData> = {
  GET: async (c) => {
    const data = await withProject(c, "viewer", (tx, role, id) => settingsView(c, tx, id, role));
    return page(data, { title: `Settings · ${data.project.name}` });
  },
};

/** GET /dashboard/projects/:id/settings */
export default function SettingsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}

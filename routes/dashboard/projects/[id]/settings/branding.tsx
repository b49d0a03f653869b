/**
 * GET /dashboard/projects/:id/settings/branding: the project's brand with a live preview (viewers read);
 * POST saves the fields through api.update_project_settings (an empty field removes one; SQL says why a
 * value is refused, e.g. a colour white text fails WCAG AA on).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { brandingAction, type BrandingPageData, brandingView } from "@/lib/dashboard/branding_page.ts";
import { BrandingView } from "@/components/dashboard/BrandingView.tsx";

const Text = z.string().max(1000).optional();
const BrandingForm = z.object({
  csrf: z.string(),
  display_name: Text,
  primary_color: Text,
  theme: Text,
  terms_url: Text,
  privacy_url: Text,
  support_email: Text,
});

export const handler: Handlers<BrandingPageData> = {
  GET: async (c) => {
    const data = await withProject(
      c,
      "viewer",
      (tx, role, projectId) => brandingView(c, tx, projectId, role),
    );
    return page(data, { title: `Branding · ${data.project.name}` });
  },
  POST: (c) =>
    brandingAction(c, BrandingForm, async (tx, projectId, { csrf: _, ...form }) => {
      const branding = Object.fromEntries(
        Object.entries(form).map(([key, value]) => [key, value?.trim() || null]),
      );
      if (branding.theme === "auto") branding.theme = null; // the default
      await updateProjectSettings(tx, projectId, { branding });
      return "branding_saved";
    }),
};

export default function BrandingPage({ data }: PageProps<BrandingPageData>) {
  return <BrandingView data={data} />;
}

/** The dashboard's Branding page: its data, and the form actions that re-render it on refusal. */
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getProject } from "@/db/projects.ts";
import type { PageResult } from "../router/page.tsx";
import { type Branding, brandingOf, logoPath } from "../branding/brand.ts";
import type { FrameData } from "./page_data.ts";
import { formAction, type FormBody } from "./form_action.ts";
import { frameOf } from "./frame.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { BRANDING_TEXT } from "./text/branding.ts";

export type BrandingPageData = {
  frame: FrameData;
  project: { project_id: string; name: string; mode: string };
  role: MemberRole;
  branding: Branding;
  logoUrl: string | null;
  notice?: string;
  error?: string;
};

/** What each `?done=` after a branding form says (its words: lib/dashboard/text/branding.ts). */
const DONE = {
  branding_saved: "brandingSaved",
  logo_saved: "logoSaved",
  logo_removed: "logoRemoved",
} as const;

export async function brandingView(
  c: Ctx,
  tx: Tx,
  projectId: string,
  role: MemberRole,
  extra: { error?: string } = {},
): Promise<BrandingPageData> {
  const project = await getProject(tx, projectId);
  const branding = brandingOf(project.settings);
  return {
    frame: frameOf(c),
    project: { project_id: project.project_id, name: project.name, mode: project.mode },
    role,
    branding,
    logoUrl: branding.logo ? logoPath(projectId, branding.logo) : null,
    notice: doneNotice(BRANDING_TEXT[dashboardLang(c)], DONE, c.req.query("done")),
    ...extra,
  };
}

/**
 * A branding form's action (admins and owners), given its `body` parsed, back to the Branding page. The logo
 * upload is multipart, which no schema reads: it passes no `body` and reads its file itself.
 */
export function brandingAction<B>(
  c: Ctx,
  body: FormBody<B> | undefined,
  action: (tx: Tx, projectId: string, form: B) => Promise<string>,
): Promise<Response | PageResult<BrandingPageData>> {
  return formAction<BrandingPageData, B>(c, {
    needed: "admin",
    back: `/dashboard/projects/${c.req.param("id")}/settings/branding`,
    body,
    load: (tx, role, projectId, extra) => brandingView(c, tx, projectId, role, extra),
    run: (tx, projectId, _role, form) => action(tx, projectId, form),
    title: (data) => `${BRANDING_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
  });
}

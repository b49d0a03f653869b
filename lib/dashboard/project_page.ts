/** Loading a project's dashboard page, for its GET and for the forms that re-render it with a message. */
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getProject } from "@/db/projects.ts";
import type { ProjectViewData } from "./page_data.ts";
import { frameOf } from "./frame.ts";
import type { PageResult } from "../router/page.tsx";
import { formAction, type FormBody } from "./form_action.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { PROJECTS_TEXT } from "./text/projects.ts";

/** What each `?done=` after a redirect says (its words: lib/dashboard/text/projects.ts). */
const DONE_NOTICES = {
  redirect_uri_added: "redirectUriAdded",
  redirect_uri_removed: "redirectUriRemoved",
  mode_production: "modeProduction",
  mode_sandbox: "modeSandbox",
} as const;

export async function projectView(
  c: Ctx,
  tx: Tx,
  projectId: string,
  role: MemberRole,
  extra: Partial<Pick<ProjectViewData, "notice" | "error" | "newSecret">> = {},
): Promise<ProjectViewData> {
  return {
    frame: frameOf(c),
    project: await getProject(tx, projectId),
    role,
    baseUrl: c.var.deps.config.baseUrl,
    notice: doneNotice(PROJECTS_TEXT[dashboardLang(c)], DONE_NOTICES, c.req.query("done")),
    ...extra,
  };
}

/**
 * Runs a project-page form's action for a member with at least `needed`: a `?done=` key redirects back to
 * the project page; page extras (a new secret) render it at once; a refusal re-renders it with 422.
 */
export function projectAction<B>(
  c: Ctx,
  needed: MemberRole,
  body: FormBody<B>,
  action: (tx: Tx, projectId: string, form: B) => Promise<string | Partial<ProjectViewData>>,
): Promise<Response | PageResult<ProjectViewData>> {
  return formAction<ProjectViewData, B>(c, {
    needed,
    back: `/dashboard/projects/${c.req.param("id")}`,
    body,
    load: (tx, role, projectId, extra) => projectView(c, tx, projectId, role, extra),
    run: async (tx, projectId, role, form) => {
      const answer = await action(tx, projectId, form);
      return typeof answer === "string" ? answer : await projectView(c, tx, projectId, role, answer);
    },
    title: (data) => data.project.name,
  });
}

/** Loading a project's dashboard page, for its GET and for the forms that re-render it with a message. */
import type { Ctx } from "../app_env.ts";
import type { Tx } from "../../db/client.ts";
import type { MemberRole } from "../../db/accounts.ts";
import { getProject } from "../../db/projects.ts";
import type { ProjectViewData } from "../../components/dashboard/ProjectView.tsx";
import { frameOf } from "./frame.ts";
import { withProject } from "./access.ts";
import { toAppError } from "../http/errors.ts";
import { page, type PageResult } from "../router/page.tsx";

/** What each `?done=` after a redirect says. */
export const DONE_MESSAGES: Record<string, string> = {
  redirect_uri_added: "Redirect URI added.",
  redirect_uri_removed: "Redirect URI removed.",
  mode_production: "The project is live: it is in production mode now.",
  mode_sandbox: "The project is back in sandbox mode.",
};

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
    notice: DONE_MESSAGES[c.req.query("done") ?? ""],
    ...extra,
  };
}

/** An action's own refusal (bad URI, duplicate, nothing to remove), as opposed to an access refusal. */
class ActionRefused extends Error {
  constructor(readonly description: string) {
    super(description);
  }
}

const REFUSALS = new Set(["validation_failed", "conflict", "not_found"]);

/**
 * Runs a project form's action for a member with at least `needed`. The action answers with a `?done=` key
 * (303 back to the project page) or with page extras to render at once (a new secret). When the SQL function
 * refuses the input, the project page is rendered again with its message and 422.
 */
export async function projectAction(
  c: Ctx,
  needed: MemberRole,
  action: (tx: Tx, projectId: string) => Promise<string | Partial<ProjectViewData>>,
): Promise<Response | PageResult<ProjectViewData>> {
  try {
    const outcome = await withProject(c, needed, async (tx, role, projectId) => {
      let answer: string | Partial<ProjectViewData>;
      try {
        answer = await action(tx, projectId);
      } catch (thrown) {
        const error = toAppError(thrown);
        if (REFUSALS.has(error.code)) throw new ActionRefused(error.description);
        throw thrown;
      }
      return typeof answer === "string" ? answer : await projectView(c, tx, projectId, role, answer);
    });
    if (typeof outcome === "string") {
      return c.redirect(`/dashboard/projects/${c.req.param("id")}?done=${outcome}`, 303);
    }
    return page(outcome, { title: outcome.project.name });
  } catch (thrown) {
    if (!(thrown instanceof ActionRefused)) throw thrown;
    const data = await withProject(
      c,
      "viewer",
      (tx, role, id) => projectView(c, tx, id, role, { error: thrown.description }),
    );
    return page(data, { title: data.project.name, status: 422 });
  }
}

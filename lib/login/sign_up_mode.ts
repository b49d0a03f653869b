/**
 * settings.sign_up's mode as the hosted pages read it (docs/project-settings.md): whether they offer "Create an
 * account". Postgres enforces the rule itself (astapa.assert_sign_up_allowed); this only hides dead links.
 */
type Request = { project: { settings: Record<string, unknown> }; invitation?: string };

/** The project's sign-up mode (open unless settings.sign_up.mode says otherwise). */
export function signUpMode(project: Request["project"]): "open" | "invitation" | "closed" {
  const mode = (project.settings.sign_up as { mode?: unknown } | undefined)?.mode;
  return mode === "invitation" || mode === "closed" ? mode : "open";
}

/** Whether the pages offer "Create an account": not while closed, and by invitation only inside one's flow. */
export function signUpOffered(request: Request): boolean {
  const mode = signUpMode(request.project);
  return mode === "open" || (mode === "invitation" && request.invitation !== undefined);
}

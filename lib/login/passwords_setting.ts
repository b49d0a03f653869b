/**
 * Whether a project takes passwords (`settings.passwords`, on unless set to false). A password-free project
 * signs people in by emailed code or passkey; Postgres refuses turning passwords off unless one of them is on.
 */
type Project = { settings: Record<string, unknown> };

export function passwordsEnabled(project: Project): boolean {
  return project.settings.passwords !== false;
}

/** Whether a project offers phone sign-in (settings.phone.enabled; off unless turned on). */
export function phoneEnabled(project: { settings: Record<string, unknown> }): boolean {
  const phone = project.settings.phone as { enabled?: unknown } | undefined;
  return phone?.enabled === true;
}

/** Whether a project offers passkeys on its hosted login (`settings.passkeys`, off unless turned on). */
type Project = { settings: Record<string, unknown> };

export function passkeysEnabled(project: Project): boolean {
  return project.settings.passkeys === true;
}

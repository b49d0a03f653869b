/**
 * The project's DPoP setting (settings.dpop, validated by astapa.setting_problem): whether every token request of
 * its clients must carry a proof. Read by the Platform API, the dashboard and the CLI; enforced at client
 * authentication (lib/oauth/dpop_clients.ts), where SQL reads it with the client.
 */

/** What every surface shows. */
export type DpopSettings = { required: boolean };

/** The setting as stored (absent: not required). */
export function dpopSettingsOf(settings: Record<string, unknown>): DpopSettings {
  const dpop = settings.dpop as { required?: unknown } | undefined;
  return { required: dpop?.required === true };
}

/** The change api.update_project_settings takes: off is stored as no setting at all (the default). */
export function dpopRequiredChange(required: boolean): { dpop: { required: true } | null } {
  return { dpop: required ? { required: true } : null };
}

/**
 * The Settings page's guests (settings.anonymous_users, docs/anonymous-users.md): whether the app's front end may
 * make anonymous users, how long an unused one is kept, and the project's hourly cap. Postgres validates the
 * numbers; a refusal re-renders with the reason.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { SETTINGS_ACCESS_TEXT } from "@/lib/dashboard/text/settings_access.ts";
import { WholeNumberField } from "./WholeNumberField.tsx";

export function GuestSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const stored = (data.project.settings.anonymous_users ?? {}) as Record<string, unknown>;
  const text = SETTINGS_ACCESS_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="guests-heading">
      <h2 id="guests-heading">{text.guests}</h2>
      <form method="post" action={`${base}/settings/guests`} class="form">
        <CsrfField token={data.frame.csrf} />
        <SettingSwitch
          name="enabled"
          value="on"
          label={text.guestsEnabled}
          checked={stored.enabled === true}
          disabled={!canEdit}
        />
        <WholeNumberField
          name="sweep_after_days"
          label={text.sweepAfter}
          min={1}
          max={365}
          value={stored.sweep_after_days}
          fallback={30}
          disabled={!canEdit}
        >
          {text.sweepAfterHint}
        </WholeNumberField>
        <WholeNumberField
          name="hourly_limit"
          label={text.hourlyLimit}
          min={1}
          max={100000}
          value={stored.hourly_limit}
          fallback={1000}
          disabled={!canEdit}
        >
          {text.hourlyLimitHint}
        </WholeNumberField>
        {canEdit && <button type="submit" class="button">{text.saveGuests}</button>}
      </form>
    </section>
  );
}

/**
 * The Settings page's guests (settings.anonymous_users, docs/anonymous-users.md): whether the app's front end may
 * make anonymous users, how long an unused one is kept, and the project's hourly cap. Postgres validates the
 * numbers; a refusal re-renders with the reason.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { WholeNumberField } from "./WholeNumberField.tsx";

export function GuestSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const stored = (data.project.settings.anonymous_users ?? {}) as Record<string, unknown>;
  return (
    <section class="card" aria-labelledby="guests-heading">
      <h2 id="guests-heading">Guests (anonymous sign-ins)</h2>
      <form method="post" action={`${base}/settings/guests`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label>
          <input
            type="checkbox"
            name="enabled"
            value="on"
            checked={stored.enabled === true}
            disabled={!canEdit}
          />{" "}
          Let the app's front end make guests: users with no email who sign up later on the hosted login and
          keep their account (POST /api/platform/anonymous with the client id)
        </label>
        <WholeNumberField
          name="sweep_after_days"
          label="Keep an unused guest for (days)"
          min={1}
          max={365}
          value={stored.sweep_after_days}
          fallback={30}
          disabled={!canEdit}
        >
          A guest whose tokens were not refreshed for this long is deleted (user.deleted), unless they have a
          subscription or a checkout. 1 to 365; default 30.
        </WholeNumberField>
        <WholeNumberField
          name="hourly_limit"
          label="New guests an hour, at most"
          min={1}
          max={100000}
          value={stored.hourly_limit}
          fallback={1000}
          disabled={!canEdit}
        >
          Beside 30 an hour from one address. 1 to 100000; default 1000. Bot protection can ask for a check
          too.
        </WholeNumberField>
        {canEdit && <button type="submit" class="button">Save guests</button>}
      </form>
    </section>
  );
}

import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { MFA_POLICIES, mfaPolicy, phoneFactorOffered } from "@/lib/login/factors/policy.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { SETTINGS_ACCESS_TEXT } from "@/lib/dashboard/text/settings_access.ts";

const LABELS = { off: "mfaOff", optional: "mfaOptional", required: "mfaRequired" } as const satisfies Record<
  (typeof MFA_POLICIES)[number],
  keyof typeof SETTINGS_ACCESS_TEXT.en
>;

/** The Settings page's second-factor policy (docs/mfa.md): off, optional or required. */
export function MfaPolicy({ data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean }) {
  const current = mfaPolicy(data.project);
  const text = SETTINGS_ACCESS_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">{text.secondFactor}</h2>
      <form method="post" action={`${base}/settings/mfa`} class="form">
        <CsrfField token={data.frame.csrf} />
        <fieldset>
          <legend>{text.whoIsAsked}</legend>
          {MFA_POLICIES.map((policy) => (
            <label key={policy}>
              <input
                type="radio"
                name="policy"
                value={policy}
                checked={policy === current}
                disabled={!canEdit}
              />{" "}
              {text[LABELS[policy]]}
            </label>
          ))}
        </fieldset>
        <SettingSwitch
          name="phone"
          value="on"
          label={text.phoneFactor}
          checked={phoneFactorOffered(data.project)}
          disabled={!canEdit}
        />
        {canEdit && <button type="submit" class="button">{text.saveMfa}</button>}
      </form>
    </section>
  );
}

import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { MFA_POLICIES, mfaPolicy, phoneFactorOffered } from "@/lib/login/factors/policy.ts";
import { CsrfField } from "./Frame.tsx";

const LABELS: Record<(typeof MFA_POLICIES)[number], string> = {
  off: "Off: nobody is asked for a second factor",
  optional:
    "Optional: people with a second factor (an authenticator app, a passkey, a phone) are asked for it (apps can ask with acr_values)",
  required: "Required: everyone without a second factor sets up an authenticator app at their next sign-in",
};

/** The Settings page's second-factor policy (docs/mfa.md): off, optional or required. */
export function MfaPolicy({ data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean }) {
  const current = mfaPolicy(data.project);
  return (
    <section class="card" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Second factor</h2>
      <form method="post" action={`${base}/settings/mfa`} class="form">
        <CsrfField token={data.frame.csrf} />
        <fieldset>
          <legend>Who is asked for an authenticator-app code</legend>
          {MFA_POLICIES.map((policy) => (
            <label key={policy}>
              <input
                type="radio"
                name="policy"
                value={policy}
                checked={policy === current}
                disabled={!canEdit}
              />{" "}
              {LABELS[policy]}
            </label>
          ))}
        </fieldset>
        <label>
          <input
            type="checkbox"
            name="phone"
            value="on"
            checked={phoneFactorOffered(data.project)}
            disabled={!canEdit}
          />{" "}
          A code by WhatsApp or SMS to a verified phone number may be the second factor (people turn it on in
          their account; SMS is the weakest factor, so it is off unless you tick this)
        </label>
        {canEdit && <button type="submit" class="button">Save second-factor policy</button>}
      </form>
    </section>
  );
}

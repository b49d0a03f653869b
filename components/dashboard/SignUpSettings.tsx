/**
 * The Settings page's sign-ups (docs/project-settings.md, settings.sign_up): open, by invitation, by waitlist or
 * closed, and the allowed and blocked email domains. Postgres validates the domains; a refusal re-renders with
 * the reason.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { signUpSettingsOf } from "@/lib/login/sign_up_mode.ts";
import { CsrfField } from "./Frame.tsx";

const MODES = [
  { value: "open", label: "Open: anyone can create an account" },
  {
    value: "invitation",
    label: "By invitation: only the address an organization invitation names, when signing in through it",
  },
  {
    value: "waitlist",
    label: "Waitlist: people join a waitlist; an address you approve (Users → Waitlist) may sign up",
  },
  { value: "closed", label: "Closed: no new accounts through the hosted login" },
] as const;

export function SignUpSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = signUpSettingsOf(data.project.settings);
  return (
    <section class="card" aria-labelledby="sign-up-heading">
      <h2 id="sign-up-heading">Sign-ups</h2>
      <form method="post" action={`${base}/settings/sign-up`} class="form">
        <CsrfField token={data.frame.csrf} />
        <fieldset>
          <legend>Who may create an account</legend>
          {MODES.map((mode) => (
            <label key={mode.value}>
              <input
                type="radio"
                name="mode"
                value={mode.value}
                checked={current.mode === mode.value}
                disabled={!canEdit}
              />{" "}
              {mode.label}
            </label>
          ))}
        </fieldset>
        <label for="allowed_domains">Allowed email domains (empty: any)</label>
        <textarea id="allowed_domains" name="allowed_domains" rows={3} disabled={!canEdit}>
          {current.allowed_domains.join("\n")}
        </textarea>
        <label for="blocked_domains">Blocked email domains</label>
        <textarea id="blocked_domains" name="blocked_domains" rows={3} disabled={!canEdit}>
          {current.blocked_domains.join("\n")}
        </textarea>
        <p class="hint">
          One domain a line, up to 100 each: example.co.id is that domain only, *.example.co.id its
          subdomains. Write an internationalised domain in its xn-- form. A phone-only sign-up has no address:
          it is refused while allowed domains are set, or sign-ups are closed, by invitation or by waitlist.
          People who already have an account always sign in, and users you import or create yourself are not
          restricted.
        </p>
        {canEdit && <button type="submit" class="button">Save sign-ups</button>}
      </form>
    </section>
  );
}

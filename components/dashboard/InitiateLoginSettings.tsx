/**
 * The Settings page's initiate-login URI (settings.initiate_login_uri; docs/hosted-login.md "Sign-ins the app did
 * not start"): the app's route that starts its own sign-in when a link Astapa mailed — an admin's password reset, a
 * waitlist approval — begins one. What `/api/platform/initiate-login-settings` shows and changes.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { Phrase } from "./Phrase.tsx";
import { SETTINGS_LOGIN_TEXT } from "@/lib/dashboard/text/settings_login.ts";

export function InitiateLoginSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = data.project.settings.initiate_login_uri;
  const text = SETTINGS_LOGIN_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="initiate-login-heading">
      <h2 id="initiate-login-heading">{text.initiateLogin}</h2>
      <p class="muted">
        <Phrase
          text={text.initiateLoginIntro}
          parts={{ iss: <code>iss</code>, loginHint: <code>login_hint</code> }}
        />
      </p>
      <form method="post" action={`${base}/settings/initiate-login`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label for="initiate-login-uri">{text.initiateLoginUri}</label>
        <input
          id="initiate-login-uri"
          name="initiate_login_uri"
          type="url"
          value={typeof current === "string" ? current : ""}
          placeholder="https://app.example/auth/initiate-login"
          disabled={!canEdit}
        />
        {canEdit && <button type="submit" class="button">{text.saveInitiateLogin}</button>}
      </form>
    </section>
  );
}

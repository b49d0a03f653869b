/**
 * The Settings page's initiate-login URI (settings.initiate_login_uri; docs/hosted-login.md "Sign-ins the app did
 * not start"): the app's route that starts its own sign-in when a link Astapa mailed — an admin's password reset, a
 * waitlist approval — begins one. What `/api/platform/initiate-login-settings` shows and changes.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";

export function InitiateLoginSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = data.project.settings.initiate_login_uri;
  return (
    <section class="card" aria-labelledby="initiate-login-heading">
      <h2 id="initiate-login-heading">Sign-ins from mailed links</h2>
      <p class="muted">
        A password reset you send a user, or a waitlist approval, opens this address of your app with{" "}
        <code>iss</code> and{" "}
        <code>login_hint</code>; your app starts its usual sign-in there (its own state and PKCE), and the
        hosted login asks for the new password or shows the sign-up form first.
      </p>
      <form method="post" action={`${base}/settings/initiate-login`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label for="initiate-login-uri">Initiate-login URI (https; empty: none)</label>
        <input
          id="initiate-login-uri"
          name="initiate_login_uri"
          type="url"
          value={typeof current === "string" ? current : ""}
          placeholder="https://app.example/auth/initiate-login"
          disabled={!canEdit}
        />
        {canEdit && <button type="submit" class="button">Save initiate-login URI</button>}
      </form>
    </section>
  );
}

/**
 * The Settings page's sign-out settings (settings.logout; docs/hosted-login.md, docs/tokens.md "Back-channel
 * logout"): where the sign-out page may send the browser back to, where logout tokens go, and the latest logout
 * tokens sent with how each went — what `/api/platform/logout-settings` shows and changes.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { LogoutMetadata } from "@/lib/oauth/logout_metadata.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { Phrase } from "./Phrase.tsx";
import { fill } from "@/lib/dashboard/i18n.ts";
import { SETTINGS_LOGIN_TEXT } from "@/lib/dashboard/text/settings_login.ts";

/** How many of the latest logout tokens the page lists (the Platform API answers 50). */
const LISTED = 10;

export function LogoutSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = LogoutMetadata.catch({}).parse(data.project.settings.logout ?? {});
  const uris = current.post_logout_redirect_uris ?? [];
  const text = SETTINGS_LOGIN_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="logout-heading">
      <h2 id="logout-heading">{text.signingOut}</h2>
      <p class="muted">
        <Phrase text={text.logoutIntro} parts={{ page: <code>{data.baseUrl}/auth/logout</code> }} />
      </p>
      <form method="post" action={`${base}/settings/logout`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label for="post-logout-uris">{text.postLogoutUris}</label>
        <textarea id="post-logout-uris" name="post_logout_redirect_uris" rows={3} disabled={!canEdit}>
          {uris.join("\n")}
        </textarea>
        <label for="backchannel-uri">{text.backchannelUri}</label>
        <input
          id="backchannel-uri"
          name="backchannel_logout_uri"
          type="url"
          value={current.backchannel_logout_uri ?? ""}
          placeholder="https://app.example/auth/backchannel-logout"
          disabled={!canEdit}
        />
        <SettingSwitch
          name="backchannel_logout_session_required"
          value="on"
          label={<Phrase text={text.sidRequired} parts={{ sid: <code>sid</code> }} />}
          checked={current.backchannel_logout_session_required === true}
          disabled={!canEdit}
        />
        {canEdit && <button type="submit" class="button">{text.saveLogout}</button>}
      </form>
      <h3>{text.latestLogoutTokens}</h3>
      {data.recentLogouts.length === 0 ? <p class="muted">{text.noneSent}</p> : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{text.columnSentFor}</th>
              <th scope="col">{text.columnTo}</th>
              <th scope="col">{text.columnStatus}</th>
              <th scope="col">{text.columnQueued}</th>
            </tr>
          </thead>
          <tbody>
            {data.recentLogouts.slice(0, LISTED).map((logout) => (
              <tr key={logout.id}>
                <td>
                  <code>{logout.sub}</code> · <code>{logout.sid}</code>
                </td>
                <td>{logout.url}</td>
                <td>
                  {logout.status}
                  {logout.attempts > 1 && fill(text.afterAttempts, { count: logout.attempts })}
                  {logout.last_error && ` (${logout.last_error})`}
                </td>
                <td>{logout.created_at}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

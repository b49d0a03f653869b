/**
 * The Settings page's sign-out settings (settings.logout; docs/hosted-login.md, docs/tokens.md "Back-channel
 * logout"): where the sign-out page may send the browser back to, where logout tokens go, and the latest logout
 * tokens sent with how each went — what `/api/platform/logout-settings` shows and changes.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { LogoutMetadata } from "@/lib/oauth/logout_metadata.ts";
import { CsrfField } from "./Frame.tsx";

/** How many of the latest logout tokens the page lists (the Platform API answers 50). */
const LISTED = 10;

export function LogoutSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = LogoutMetadata.catch({}).parse(data.project.settings.logout ?? {});
  const uris = current.post_logout_redirect_uris ?? [];
  return (
    <section class="card" aria-labelledby="logout-heading">
      <h2 id="logout-heading">Signing out</h2>
      <p class="muted">
        OpenID Connect logout for your app: the sign-out page (<code>{data.baseUrl}/auth/logout</code>) sends
        the browser back only to an address listed here (none listed: your redirect URIs), and when a session
        ends Astapa POSTs a logout token to your back-channel URI.
      </p>
      <form method="post" action={`${base}/settings/logout`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label for="post-logout-uris">Post-logout redirect URIs (one per line, exact)</label>
        <textarea id="post-logout-uris" name="post_logout_redirect_uris" rows={3} disabled={!canEdit}>
          {uris.join("\n")}
        </textarea>
        <label for="backchannel-uri">Back-channel logout URI (https)</label>
        <input
          id="backchannel-uri"
          name="backchannel_logout_uri"
          type="url"
          value={current.backchannel_logout_uri ?? ""}
          placeholder="https://app.example/auth/backchannel-logout"
          disabled={!canEdit}
        />
        <label>
          <input
            type="checkbox"
            name="backchannel_logout_session_required"
            value="on"
            checked={current.backchannel_logout_session_required === true}
            disabled={!canEdit}
          />{" "}
          My app needs <code>sid</code> in logout tokens (Astapa always sends it)
        </label>
        {canEdit && <button type="submit" class="button">Save sign-out settings</button>}
      </form>
      <h3>Latest logout tokens</h3>
      {data.recentLogouts.length === 0 ? <p class="muted">None sent yet.</p> : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Sent for</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Queued</th>
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
                  {logout.attempts > 1 && ` after ${logout.attempts} attempts`}
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

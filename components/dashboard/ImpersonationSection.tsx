import { shortTime } from "@/lib/dashboard/format.ts";
import { CsrfField } from "./Frame.tsx";

type Props = {
  action: string;
  csrf: string;
  /** The link just made, shown once. */
  made?: { url: string; expires_at: string; ends_at: string };
};

/**
 * "Sign in as this user" for admins and owners (docs/impersonation.md): a one-time link, the developer's email as
 * the actor in every token; the app should show a banner when a token carries `act`.
 */
export function ImpersonationSection({ action, csrf, made }: Props) {
  return (
    <section class="card" aria-labelledby="impersonation-heading">
      <h2 id="impersonation-heading">Sign in as this user</h2>
      <p class="muted">
        Opens the app as this user in a browser, to see what they see. Every token issued carries{" "}
        <code>act: {"{"}sub: your email{"}"}</code>, everything is in the audit log, and any session of the
        project in that browser is signed out first.
      </p>
      {made && (
        <div role="status">
          <p>
            Open this link once, before{" "}
            {shortTime(made.expires_at)}; it signs the browser in as the user until{" "}
            {shortTime(made.ends_at)}. Anyone holding it can do the same: do not share it.
          </p>
          <p>
            <a class="button" href={made.url} target="_blank" rel="noopener noreferrer">
              Open the link
            </a>
          </p>
        </div>
      )}
      <form method="post" action={`${action}/impersonation`} class="form inline-form">
        <CsrfField token={csrf} />
        <label for="impersonation-minutes">For</label>
        <select id="impersonation-minutes" name="minutes">
          <option value="5">5 minutes</option>
          <option value="15" selected>15 minutes</option>
          <option value="30">30 minutes</option>
          <option value="60">60 minutes</option>
        </select>
        <label for="impersonation-reason">Reason</label>
        <input id="impersonation-reason" name="reason" maxLength={500} placeholder="e.g. ticket 4312" />
        <button type="submit" class="button secondary">Sign in as this user</button>
      </form>
    </section>
  );
}

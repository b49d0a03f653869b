/**
 * "Send password reset" on a user's page (admins): the reset mail whose link opens the app's sign-in through its
 * initiate_login_uri (docs/hosted-login.md "Sign-ins the app did not start"). Without one the button is off and
 * says where to set it.
 */
import { CsrfField } from "./Frame.tsx";

export function PasswordResetSection(
  { action, csrf, projectId, ready }: { action: string; csrf: string; projectId: string; ready: boolean },
) {
  return (
    <section class="card" aria-labelledby="password-reset-heading">
      <h2 id="password-reset-heading">Password reset</h2>
      <form method="post" action={`${action}/password-reset`} class="form inline-form">
        <CsrfField token={csrf} />
        <button type="submit" class="button" disabled={!ready}>Send password reset</button>
        <span class="muted">
          Mails the user a link (single use, 1 hour) that opens your app's sign-in and asks for a new
          password.
        </span>
      </form>
      {!ready && (
        <p class="muted">
          Set your app's initiate-login URI first (<a
            href={`/dashboard/projects/${projectId}/settings#initiate-login-heading`}
          >
            Settings: sign-ins from mailed links
          </a>): the link starts the sign-in there.
        </p>
      )}
    </section>
  );
}

import type { UserFactors } from "@/db/factors.ts";
import { CsrfField } from "./Frame.tsx";

/** The user page's second factor: what is set up, recovery codes left, and an admin's reset (mailed, audited). */
export function UserFactorsSection(
  { factors, action, csrf, canEdit }: {
    factors: UserFactors;
    action: string;
    csrf: string;
    canEdit: boolean;
  },
) {
  const totp = factors.factors.find((f) => f.kind === "totp");
  return (
    <section class="card" aria-labelledby="factors-heading">
      <h2 id="factors-heading">Second factor</h2>
      {totp
        ? (
          <dl class="facts">
            <dt>Authenticator app</dt>
            <dd>
              set up <time datetime={totp.enrolled_at}>{totp.enrolled_at.slice(0, 10)}</time>
            </dd>
            <dt>Recovery codes left</dt>
            <dd>{factors.recovery_codes_left} of 10</dd>
          </dl>
        )
        : <p class="muted">No second factor is set up.</p>}
      {canEdit && totp && (
        <form method="post" action={`${action}/factors`}>
          <CsrfField token={csrf} />
          <p class="muted">
            Resetting removes the authenticator app and the recovery codes, and mails the user. Do it only
            after checking who is asking: it lets someone with the password alone sign in where the factor is
            optional.
          </p>
          <button type="submit" class="button danger">Reset second factor</button>
        </form>
      )}
    </section>
  );
}

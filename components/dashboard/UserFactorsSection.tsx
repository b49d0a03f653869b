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
  const phone = factors.factors.find((f) => f.kind === "phone");
  const counts = (kind: string) => factors.second_factors.includes(kind as never);
  return (
    <section class="card" aria-labelledby="factors-heading">
      <h2 id="factors-heading">Second factor</h2>
      {factors.mfa_enrolled || totp || phone
        ? (
          <dl class="facts">
            {totp && (
              <>
                <dt>Authenticator app</dt>
                <dd>
                  set up <time datetime={totp.enrolled_at}>{totp.enrolled_at.slice(0, 10)}</time>
                </dd>
                <dt>Recovery codes left</dt>
                <dd>{factors.recovery_codes_left} of 10</dd>
              </>
            )}
            {phone && (
              <>
                <dt>Phone codes</dt>
                <dd>
                  on since <time datetime={phone.enrolled_at}>{phone.enrolled_at.slice(0, 10)}</time>
                  {counts("phone")
                    ? ""
                    : " — not used now (no verified number, or the project has phone codes off)"}
                </dd>
              </>
            )}
            {counts("passkey") && (
              <>
                <dt>Passkey</dt>
                <dd>counts as a second factor (see Passkeys)</dd>
              </>
            )}
          </dl>
        )
        : <p class="muted">No second factor is set up.</p>}
      {canEdit && (totp || phone) && (
        <form method="post" action={`${action}/factors`}>
          <CsrfField token={csrf} />
          <p class="muted">
            Resetting removes the authenticator app, phone codes and the recovery codes, and mails the user.
            Do it only after checking who is asking: it lets someone with the password alone sign in where the
            factor is optional.
          </p>
          <button type="submit" class="button danger">Reset second factor</button>
        </form>
      )}
    </section>
  );
}

import type { UserFactors } from "@/db/factors.ts";
import { Phrase } from "./Phrase.tsx";
import { CsrfField } from "./Frame.tsx";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { USER_TEXT } from "@/lib/dashboard/text/user.ts";

/** The user page's second factor: what is set up, recovery codes left, and an admin's reset (mailed, audited). */
export function UserFactorsSection(
  { factors, action, csrf, canEdit, lang = "en" }: {
    factors: UserFactors;
    action: string;
    csrf: string;
    canEdit: boolean;
    lang?: Lang;
  },
) {
  const text = USER_TEXT[lang];
  const totp = factors.factors.find((f) => f.kind === "totp");
  const phone = factors.factors.find((f) => f.kind === "phone");
  const counts = (kind: string) => factors.second_factors.includes(kind as never);
  return (
    <section class="card" aria-labelledby="factors-heading">
      <h2 id="factors-heading">{text.secondFactor}</h2>
      {factors.mfa_enrolled || totp || phone
        ? (
          <dl class="facts">
            {totp && (
              <>
                <dt>{text.authenticatorApp}</dt>
                <dd>
                  <Phrase
                    text={text.setUpOn}
                    parts={{ date: <time datetime={totp.enrolled_at}>{totp.enrolled_at.slice(0, 10)}</time> }}
                  />
                </dd>
                <dt>{text.recoveryCodesLeft}</dt>
                <dd>{fill(text.recoveryCodesOf, { left: factors.recovery_codes_left })}</dd>
              </>
            )}
            {phone && (
              <>
                <dt>{text.phoneCodes}</dt>
                <dd>
                  <Phrase
                    text={text.onSince}
                    parts={{
                      date: <time datetime={phone.enrolled_at}>{phone.enrolled_at.slice(0, 10)}</time>,
                    }}
                  />
                  {counts("phone") ? "" : text.phoneNotUsed}
                </dd>
              </>
            )}
            {counts("passkey") && (
              <>
                <dt>{text.passkey}</dt>
                <dd>{text.passkeyCounts}</dd>
              </>
            )}
          </dl>
        )
        : <p class="muted">{text.noSecondFactor}</p>}
      {canEdit && (totp || phone) && (
        <form method="post" action={`${action}/factors`}>
          <CsrfField token={csrf} />
          <p class="muted">{text.resetExplained}</p>
          <button type="submit" class="button danger">{text.resetSecondFactor}</button>
        </form>
      )}
    </section>
  );
}

/**
 * The hosted "passkeys" page (/auth/passkeys): the signed-in person's passkeys with when each was added and
 * last used, renaming and removing them (plain forms, one row each: PasskeyRow.tsx), and adding one (an island:
 * hidden without WebAuthn).
 * Adding and removing need a sign-in within the last 10 minutes; the page says so and links to sign in again.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref, signedInHref } from "@/lib/login/pages.ts";
import { type MessageKey, MESSAGES } from "@/lib/login/i18n.ts";
import type { OwnPasskeys } from "@/db/passkeys.ts";
import { Island } from "@/lib/islands/Island.tsx";
import PasskeyButton from "@/islands/PasskeyButton.tsx";
import PasskeySignals from "@/islands/PasskeySignals.tsx";
import { AuthCard } from "./AuthCard.tsx";
import { PasskeyRow } from "./PasskeyRow.tsx";

export type PasskeysData = AuthPageData & {
  /** list: the person's passkeys; off: the project does not use passkeys; signedOut: no live session. */
  mode?: "list" | "off" | "signedOut";
  keys?: OwnPasskeys["passkeys"];
  /** Signed in within the last 10 minutes: may add and remove. */
  recent?: boolean;
  /** Support staff signed in as the person (never recent): the page says only the person can. */
  impersonated?: boolean;
  /**
   * Right after sign-up: the page offers a first passkey, and its way back to the app goes without a
   * prompt=login (the person just signed in).
   */
  welcome?: boolean;
  done?: MessageKey;
  /** What the person's password manager is told to keep (WebAuthn's Signal API): never while impersonated. */
  signals?: { rpId: string; user: { id: string; name: string; displayName: string; accepted: string[] } };
};

export function Passkeys({ data }: { data: PasskeysData }) {
  const t = MESSAGES[data.lang];
  const other = data.lang === "en" ? "id" : "en";
  const back = data.welcome ? signedInHref(data) : flowHref("/auth/login", data);
  // The request may carry a prompt already: set, not added (a second one is refused as a malformed request).
  const fresh = new URLSearchParams(data.request);
  fresh.set("prompt", "login");
  const again = flowHref("/auth/login", { ...data, request: fresh.toString() });
  // The offer stays one across its own forms (adding the first key posts back here).
  const action = `/auth/passkeys?lang=${data.lang}${data.welcome ? "&welcome=1" : ""}`;
  return (
    <AuthCard
      lang={data.lang}
      title="passkeysTitle"
      subtitle="passkeysFor"
      appName={data.appName}
      error={data.error}
      switchHref={`${flowHref("/auth/passkeys", data, other)}${data.welcome ? "&welcome=1" : ""}`}
    >
      {data.mode === "off" && <p>{t.passkeysOff}</p>}
      {data.mode === "signedOut" && (
        <>
          <p>{t.passkeysSignedOut}</p>
          <p>
            <a class="button" href={back}>{t.signInTitle}</a>
          </p>
        </>
      )}
      {data.mode === "list" && (
        <>
          {data.done && <p class="notice" role="status">{t[data.done]}</p>}
          <p>{data.welcome && !data.done ? t.passkeysOffer : t.passkeysIntro}</p>
          {(data.keys ?? []).length === 0 && <p>{t.passkeysNone}</p>}
          <ul class="passkeys">
            {(data.keys ?? []).map((key) => (
              <PasskeyRow
                key={key.id}
                passkey={key}
                lang={data.lang}
                action={action}
                request={data.request}
                csrf={data.csrf}
                removable={data.recent === true}
              />
            ))}
          </ul>
          {data.recent
            ? (
              <Island
                of={PasskeyButton}
                props={{
                  purpose: "register" as const,
                  action,
                  request: data.request,
                  csrf: data.csrf,
                  label: t.passkeyAdd,
                  primary: true,
                  cancelled: t.passkeyCancelled,
                  rateLimited: t.passkeyRateLimited,
                  unavailable: t.passkeyUnavailable,
                  alreadyAdded: t.passkeyAlreadyAdded,
                  nameLabel: t.passkeyName,
                  defaultName: t.passkeyDefaultName,
                }}
              />
            )
            : data.impersonated
            ? <p>{t.passkeysImpersonated}</p>
            : (
              <p>
                {t.passkeysNotRecent} <a href={again}>{t.signInAgain}</a>
              </p>
            )}
          <p>
            <a class="button" href={back}>{t.manageBack}</a>
          </p>
          {data.signals && <Island of={PasskeySignals} props={data.signals} />}
        </>
      )}
    </AuthCard>
  );
}

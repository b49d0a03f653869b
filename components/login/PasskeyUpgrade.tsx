/**
 * The page between a password sign-in and the app where the password manager may make a passkey silently
 * (routes/auth/passkeys/upgrade.tsx). It says the person is signed in and links on; without JavaScript it
 * moves on at once (a refresh in <noscript>), with it the island moves on within its bound.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref, signedInHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { Island } from "@/lib/islands/Island.tsx";
import PasskeyUpgrade from "@/islands/PasskeyUpgrade.tsx";
import { AuthCard } from "./AuthCard.tsx";

export function PasskeyUpgradePage({ data }: { data: AuthPageData }) {
  const t = MESSAGES[data.lang];
  const next = signedInHref(data);
  return (
    <AuthCard
      lang={data.lang}
      title="passkeyUpgradeTitle"
      subtitle="signInTo"
      appName={data.appName}
      switchHref={flowHref("/auth/passkeys/upgrade", data, data.lang === "en" ? "id" : "en")}
    >
      <noscript>
        <meta http-equiv="refresh" content={`0; url=${next}`} />
      </noscript>
      <p role="status">{t.passkeyUpgradeText}</p>
      <p>
        <a class="button" href={next}>{t.passkeyUpgradeContinue}</a>
      </p>
      <Island
        of={PasskeyUpgrade}
        props={{
          request: data.request,
          csrf: data.csrf,
          lang: data.lang,
          name: t.passkeyDefaultName,
          next,
        }}
      />
    </AuthCard>
  );
}

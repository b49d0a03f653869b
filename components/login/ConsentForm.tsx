import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { AuthCard } from "./AuthCard.tsx";
import { ThirdPartyNotice } from "./ThirdPartyNotice.tsx";

/**
 * A signed-in person is asked before a self-registered client gets a code: a session alone never hands one
 * to an app nobody vetted.
 */
export function ConsentForm({ data }: { data: AuthPageData }) {
  const t = MESSAGES[data.lang];
  return (
    <AuthCard
      lang={data.lang}
      title="consentTitle"
      subtitle="consentSignedIn"
      appName={data.appName}
      error={data.error}
      switchHref={flowHref("/auth/login", data, data.lang === "en" ? "id" : "en")}
    >
      {data.thirdParty && <ThirdPartyNotice lang={data.lang} thirdParty={data.thirdParty} />}
      <form method="post" action={`/auth/consent?lang=${data.lang}`}>
        <input type="hidden" name="request" value={data.request} />
        <input type="hidden" name="csrf" value={data.csrf} />
        <p class="consent-actions">
          <button type="submit" name="decision" value="allow">{t.allow}</button>{" "}
          <button type="submit" name="decision" value="deny" class="button secondary">{t.deny}</button>
        </p>
      </form>
    </AuthCard>
  );
}

/**
 * /auth/phone/claimed — after a phone code claimed an account nobody had proven (astapa.claim_unproven_account),
 * the person is signed in and told here what was removed, in their language, before going on: the claim leaves
 * no proven address to mail. "Continue" goes through the sign-in page, where the browser's new session takes
 * them on to the app (the organization step and a fresh code there). Without the notice (another browser, or
 * later) the page just goes on.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import {
  authorizeRequest,
  type AuthPageData,
  authPageData,
  flowHref,
  signedInHref,
} from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { type ClaimLines, claimLines } from "@/lib/login/claimed_mail.ts";
import { readClaimNotice } from "@/lib/phone/claimed.ts";
import { AuthCard } from "@/components/login/AuthCard.tsx";

type ClaimedData = AuthPageData & { claim: ClaimLines };

export const handler: Handlers<ClaimedData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const data = authPageData(c, request, query);
    const removed = readClaimNotice(c, request.project.id);
    if (!removed) return c.redirect(signedInHref(data), 303);
    c.header("cache-control", "no-store");
    const claim = claimLines(data.lang, data.appName, removed, "phone_code");
    return page<ClaimedData>({ ...data, claim }, {
      title: MESSAGES[data.lang].phoneClaimedTitle,
      lang: data.lang,
    });
  },
};

export default function PhoneClaimed({ data }: PageProps<ClaimedData>) {
  const t = MESSAGES[data.lang];
  return (
    <AuthCard
      lang={data.lang}
      title="phoneClaimedTitle"
      subtitle="socialFor"
      appName={data.appName}
      switchHref={flowHref("/auth/phone/claimed", data, data.lang === "en" ? "id" : "en")}
    >
      <p>{data.claim.intro}</p>
      <ul>
        {data.claim.items.map((item) => <li key={item}>{item}</li>)}
      </ul>
      <p>{data.claim.after}</p>
      <p>
        <a class="button" href={signedInHref(data)}>{t.phoneClaimedContinue}</a>
      </p>
    </AuthCard>
  );
}

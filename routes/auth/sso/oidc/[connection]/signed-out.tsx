/**
 * GET /auth/sso/oidc/:connection/signed-out — an OpenID Connect connection's post_logout_redirect_uri (OpenID Connect
 * RP-Initiated Logout 1.0): after a sign-out at Astapa went by the IdP's end_session_endpoint
 * (lib/login/sso/oidc_rp_logout.ts), the IdP sends the browser back here with our `state`, and the sign-out goes on
 * to where it was going (the app's post_logout_redirect_uri, or Astapa's signed-out page). Public: the destination
 * comes from this browser's sealed, single-use cookie only, never from the query, and the state must match it; a
 * browser waiting for no sign-out gets a page, and so does an answer with an `error` (with a Continue link).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { publicRoute } from "@/lib/router/callers.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { SAML_LOGOUT_MESSAGES } from "@/lib/login/saml_logout_messages.ts";
import { finishRpLogout } from "@/lib/login/sso/oidc_rp_logout.ts";

/** The IdP's answer: the state we sent, and an error when it says something went wrong. Anything else is ignored. */
const Answer = z.object({
  state: z.string().max(200).optional().catch(undefined),
  error: z.string().max(200).optional().catch("invalid"),
});

export const callers = publicRoute(
  "OpenID Connect RP-initiated logout's way back: leads on only to where this browser's sealed cookie says",
);

type SignedOutData = { lang: Lang; message: "unconfirmed" | "stale"; continueHref?: string };

export const handler: Handlers<SignedOutData> = {
  async GET(c) {
    c.header("cache-control", "no-store");
    const answer = Answer.parse(c.req.query());
    const finished = await finishRpLogout(c, c.req.param("connection") ?? "", answer);
    if (finished?.confirmed) return c.redirect(finished.back, 303);
    const lang = pickLang(c);
    const data: SignedOutData = finished
      ? { lang, message: "unconfirmed", continueHref: finished.back }
      : { lang, message: "stale" };
    return page(data, { title: SAML_LOGOUT_MESSAGES[lang].signedOutTitle, lang });
  },
};

export default function OidcSignedOut({ data }: PageProps<SignedOutData>) {
  const words = SAML_LOGOUT_MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
      <h1 id="auth-heading">{words.signedOutTitle}</h1>
      <p>{words[data.message]}</p>
      {data.continueHref && (
        <p>
          <a class="button" href={data.continueHref}>{words.continue}</a>
        </p>
      )}
    </section>
  );
}

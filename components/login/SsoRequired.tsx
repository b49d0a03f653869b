import { type Lang, MESSAGES } from "@/lib/login/i18n.ts";

export type SsoRequiredData = {
  lang: Lang;
  appName: string;
  /** The authorization request as a query string, carried on to /auth/sso. */
  request: string;
  csrf: string;
  /** The address whose organization signs in through its IdP: /auth/sso picks the connection by it. */
  email: string;
  signInHref: string;
};

/**
 * Enforced SSO's one page (every way in it closes: password, codes, links, passkeys, Google/GitHub, phone): why,
 * and a button that posts the address and the request on to /auth/sso, which sends the browser to the IdP.
 */
export function SsoRequired({ data }: { data: SsoRequiredData }) {
  const t = MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
      <p class="eyebrow">{t.signInTo} {data.appName}</p>
      <h1 id="auth-heading">{t.ssoRequiredTitle}</h1>
      <p class="alert" role="alert" id="form-error">{t.ssoRequired}</p>
      <form method="post" action={`/auth/sso?lang=${data.lang}`}>
        <input type="hidden" name="request" value={data.request} />
        <input type="hidden" name="csrf" value={data.csrf} />
        <input type="hidden" name="email" value={data.email} />
        <button type="submit">{t.ssoContinueWith}</button>
      </form>
      <p>
        <a href={data.signInHref}>{t.backToSignIn}</a>
      </p>
    </section>
  );
}

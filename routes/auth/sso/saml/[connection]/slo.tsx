/**
 * GET /auth/sso/saml/:connection/slo — the connection's SAML Single Logout endpoint (HTTP-Redirect binding), as the
 * SP metadata advertises it; POST takes a LogoutRequest by the HTTP-POST binding too (some IdPs send that one). The
 * IdP sends either a LogoutRequest (the person signed out at the IdP: the sessions it names end here, and the
 * browser goes back with our signed LogoutResponse; lib/login/sso/saml_idp_logout.ts) or
 * a LogoutResponse (the answer to the LogoutRequest a sign-out at Astapa sent; the browser goes on to where that
 * sign-out was going; lib/login/sso/saml_sp_logout.ts). Public: the IdP's signature on the message is what
 * protects a LogoutRequest (a GET that changes state, as the binding makes it: a forged link ends nothing without
 * the IdP's key), and this browser's sealed cookie what protects the way on after a LogoutResponse.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { publicRoute } from "@/lib/router/callers.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { log } from "@/lib/http/log.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { SAML_LOGOUT_MESSAGES } from "@/lib/login/saml_logout_messages.ts";
import { postedLogoutRequest, redirectMessage } from "@/lib/login/sso/saml_logout_message.ts";
import { readText } from "@/lib/http/body.ts";
import {
  answerIdpLogout,
  logoutConnection,
  LogoutRefused,
  sloUrlOf,
} from "@/lib/login/sso/saml_idp_logout.ts";
import { finishSpLogout } from "@/lib/login/sso/saml_sp_logout.ts";

/** A posted LogoutRequest of up to 256 KiB of XML (base64: a third more). */
const PostedLogout = z.object({
  SAMLRequest: z.string().min(1).max(350_000),
  RelayState: z.string().max(1000).optional(),
});

export const callers = publicRoute(
  "SAML single logout: a LogoutRequest ends sessions only when signed by the connection's IdP key; a " +
    "LogoutResponse only leads on to where this browser's sealed cookie says",
);

type SloData = {
  lang: Lang;
  problem?: "refused" | "unknown" | "off";
  /** Signed out here, the IdP's side not confirmed or not awaited: the way on. */
  signedOut?: { message: "unconfirmed" | "stale"; continueHref?: string };
};

function refusedPage(c: Ctx, refused: LogoutRefused) {
  log("info", "saml_logout_refused", { requestId: c.var.requestId, reason: refused.reason });
  const lang = pickLang(c);
  const problem = refused.status === 404 ? "unknown" : refused.status === 409 ? "off" : "refused";
  return page<SloData>({ lang, problem }, {
    title: SAML_LOGOUT_MESSAGES[lang].refusedTitle,
    lang,
    status: refused.status,
  });
}

export const handler: Handlers<SloData> = {
  /**
   * The HTTP-POST binding, for a LogoutRequest only (our own LogoutRequest asks for the answer by Redirect): the
   * IdP's page posts it cross-site, with no CSRF token of ours; its XML signature is what protects it.
   */
  async POST(c) {
    c.header("cache-control", "no-store");
    try {
      const id = c.req.param("connection") ?? "";
      const { projectId, connection, signWith } = await logoutConnection(c, id);
      const posted = PostedLogout.safeParse(Object.fromEntries(new URLSearchParams(await readText(c))));
      if (!posted.success) throw new LogoutRefused("saml_malformed");
      const message = await postedLogoutRequest(posted.data, sloUrlOf(c, id));
      if ("problem" in message) throw new LogoutRefused(message.problem);
      return await answerIdpLogout(c, projectId, connection, signWith, message);
    } catch (error) {
      if (error instanceof LogoutRefused) return refusedPage(c, error);
      throw error;
    }
  },

  async GET(c) {
    c.header("cache-control", "no-store");
    try {
      const id = c.req.param("connection") ?? "";
      const { projectId, connection, signWith } = await logoutConnection(c, id);
      const message = await redirectMessage(new URL(c.req.url).search.slice(1), sloUrlOf(c, id));
      if ("problem" in message) throw new LogoutRefused(message.problem);
      if (message.kind === "LogoutRequest") {
        return await answerIdpLogout(c, projectId, connection, signWith, message);
      }
      const finished = await finishSpLogout(c, projectId, connection, message);
      if (finished?.confirmed) return c.redirect(finished.back, 303);
      const lang = pickLang(c);
      const signedOut = finished
        ? { message: "unconfirmed" as const, continueHref: finished.back }
        : { message: "stale" as const };
      return page<SloData>({ lang, signedOut }, { title: SAML_LOGOUT_MESSAGES[lang].signedOutTitle, lang });
    } catch (error) {
      if (error instanceof LogoutRefused) return refusedPage(c, error);
      throw error;
    }
  },
};

export default function SamlSlo({ data }: PageProps<SloData>) {
  const words = SAML_LOGOUT_MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
      <h1 id="auth-heading">{data.problem ? words.refusedTitle : words.signedOutTitle}</h1>
      {data.problem && <p class="alert" role="alert">{words[data.problem]}</p>}
      {data.signedOut && <p>{words[data.signedOut.message]}</p>}
      {data.signedOut?.continueHref && (
        <p>
          <a class="button" href={data.signedOut.continueHref}>{words.continue}</a>
        </p>
      )}
    </section>
  );
}

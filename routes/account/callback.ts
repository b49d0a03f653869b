import type { Handlers } from "@/lib/router/routes.ts";
import { AppError } from "@/lib/http/errors.ts";

/**
 * Where the hosted login returns someone who signed in to reach /account. The sign-in left the session cookie,
 * which is all the account page needs; the short-lived code it also sent is not redeemed. The state carries
 * the account page's own query (client_id, return_to, lang), and only that: this never redirects anywhere but
 * /account, which checks return_to again.
 */
export const handler: Handlers = {
  GET(c) {
    const state = new URLSearchParams(c.req.query("state") ?? "");
    const clientId = state.get("client_id") ?? "";
    if (!/^cid_[a-z2-7]{24}$/.test(clientId)) {
      throw new AppError("invalid_request", { description: "This sign-in link is incomplete." });
    }
    const back = new URLSearchParams({ client_id: clientId });
    const returnTo = state.get("return_to");
    if (returnTo) back.set("return_to", returnTo);
    const lang = state.get("lang");
    if (lang === "en" || lang === "id") back.set("lang", lang);
    return c.redirect(`/account?${back}`, 303);
  },
};

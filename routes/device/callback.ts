import type { Handlers } from "@/lib/router/routes.ts";
import { AppError } from "@/lib/http/errors.ts";
import { displayUserCode, normalizeUserCode } from "@/lib/oauth/device_codes.ts";

/**
 * Where the hosted login returns someone who signed in on /device. The sign-in left the session cookie, which
 * is all /device needs; the short-lived code it also sent is not redeemed. The state carries the user code and
 * the language, and only those: this never redirects anywhere but /device, where the person confirms the code.
 */
export const handler: Handlers = {
  GET(c) {
    const state = new URLSearchParams(c.req.query("state") ?? "");
    const code = normalizeUserCode(state.get("user_code") ?? "");
    if (!code) throw new AppError("invalid_request", { description: "This sign-in link is incomplete." });
    const back = new URLSearchParams({ user_code: displayUserCode(code) });
    const lang = state.get("lang");
    if (lang === "en" || lang === "id") back.set("lang", lang);
    return c.redirect(`/device?${back}`, 303);
  },
};

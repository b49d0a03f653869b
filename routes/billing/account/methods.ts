/**
 * Linking and unlinking an e-wallet for automatic renewal from the customer portal (docs/billing.md "Linked
 * methods"). Plain forms with the portal's CSRF token, same-origin checked, acting on the session's own user
 * only. Linking sends the customer to Xendit's approval page, which returns to the portal; a refused link
 * (a wrong number, one already linked, a channel not enabled) comes back with a worded notice.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { CLIENT_ID, sameOrigin, signedIn, signInFirst } from "@/lib/payments/billing_session.ts";
import { CsrfField, readPageBody } from "@/lib/payments/page_forms.ts";
import { linkMethod, unlinkUserMethod } from "@/lib/payments/linked_methods.ts";
import type { PortalNotice } from "@/lib/payments/portal_text.ts";

/** 0812…, 62812… or +62812… (spaces and dashes allowed) as +62812…; anything else is left for SQL to refuse. */
const Mobile = z.string().max(30).transform((raw) => {
  const digits = raw.replace(/[\s-]/g, "");
  return digits.startsWith("0") ? `+62${digits.slice(1)}` : digits.startsWith("62") ? `+${digits}` : digits;
});
const Common = {
  ...CsrfField,
  client_id: z.string().regex(CLIENT_ID, "A client_id (cid_…)."),
  lang: z.enum(["en", "id"]).optional(),
};
const Action = z.discriminatedUnion("action", [
  z.object({
    ...Common,
    action: z.literal("link"),
    channel: z.enum(["OVO", "DANA", "SHOPEEPAY", "GOPAY"]),
    mobile_number: z.union([z.literal("").transform(() => undefined), Mobile]).optional(),
  }),
  z.object({ ...Common, action: z.literal("unlink"), method_id: z.string().max(64) }),
]);

export const handler: Handlers = {
  async POST(c) {
    sameOrigin(c);
    const form = await readPageBody(c, Action);
    const who = await signedIn(c, form.client_id);
    if (!who.userId) return signInFirst(c, form.client_id, "account");
    const portal = (notice: PortalNotice) =>
      `${c.var.deps.config.baseUrl}/billing/account?${new URLSearchParams({
        client_id: form.client_id,
        notice,
        ...(form.lang ? { lang: form.lang } : {}),
      })}`;
    try {
      if (form.action === "unlink") {
        await unlinkUserMethod(c.var.deps, who.projectId, who.userId, form.method_id);
        return c.redirect(portal("unlinked"), 303);
      }
      const { authUrl } = await linkMethod(c.var.deps, who.projectId, who.userId, {
        channel: form.channel,
        mobileNumber: form.mobile_number,
        successUrl: portal("linked"),
        failureUrl: portal("link_failed"),
      });
      return c.redirect(authUrl, 303);
    } catch (error) {
      const code = toAppError(error).code;
      if (code === "conflict" || code === "validation_failed") return c.redirect(portal("link_refused"), 303);
      throw error;
    }
  },
};

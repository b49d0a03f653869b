import type { Handlers } from "@/lib/router/routes.ts";
import { AppError } from "@/lib/http/errors.ts";
import { BILLING_PAGES, type BillingPage, CLIENT_ID } from "@/lib/payments/billing_session.ts";

/**
 * Where the hosted login returns someone who signed in to reach /billing or /billing/account. The sign-in already left the session
 * cookie, which is all the billing page needs; the short-lived code it also sent is simply not redeemed. The
 * state is the client id (checked, so this never redirects anywhere but those two pages).
 */
export const handler: Handlers = {
  GET(c) {
    const state = c.req.query("state") ?? "";
    // "cid_…" returns to the plan picker, "account.cid_…" to the portal, "organizations.cid_…" to the organizations' one; nothing else is accepted.
    const [, page = "plans", clientId = ""] =
      /^(?:(account|organizations)\.)?(cid_[a-z2-7]{24})$/.exec(state) ?? [];
    if (!CLIENT_ID.test(clientId)) {
      throw new AppError("invalid_request", { description: "This sign-in link is incomplete." });
    }
    return c.redirect(`${BILLING_PAGES[page as BillingPage]}?client_id=${clientId}`, 303);
  },
};

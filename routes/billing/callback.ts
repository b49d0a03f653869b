import type { Handlers } from "@/lib/router/routes.ts";
import { AppError } from "@/lib/http/errors.ts";

/**
 * Where the hosted login returns someone who signed in to reach /billing. The sign-in already left the session
 * cookie, which is all the billing page needs; the short-lived code it also sent is simply not redeemed. The
 * state is the client id (checked, so this never redirects anywhere but /billing).
 */
export const handler: Handlers = {
  GET(c) {
    const clientId = c.req.query("state") ?? "";
    if (!/^cid_[a-z2-7]{24}$/.test(clientId)) {
      throw new AppError("invalid_request", { description: "This sign-in link is incomplete." });
    }
    return c.redirect(`/billing?client_id=${clientId}`, 303);
  },
};

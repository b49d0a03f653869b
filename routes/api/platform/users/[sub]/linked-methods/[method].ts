/** Unlinking a user's e-wallet over the Platform API: expired at Xendit, then never charged again. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { validate } from "@/lib/http/body.ts";
import { clientContext, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { unlinkUserMethod } from "@/lib/payments/linked_methods.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, PROVIDER_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Params = z.object({ method: z.string().regex(/^lpm_[a-z2-7]{24}$/, "A linked method id (lpm_…).") });

/** Unlinking changes how a user pays: the project's own client only. */
export const callers = clients("project");

/** DELETE unlinks the method (200 with it, status expired); another user's or an unknown id is 404. */
export const handler: Handlers = {
  async DELETE(c) {
    const sub = subParam(c);
    const { method } = validate(Params, { method: c.req.param("method") });
    const unlinked = await unlinkUserMethod(c.var.deps, clientOf(c).projectId, sub, method, clientContext(c));
    return c.json(unlinked, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Payments",
    summary: "Unlink a user's e-wallet",
    description:
      "Expires the method at Xendit, then here (status expired); renewals go back to pay links by email. " +
      "When Xendit does not answer (502) the method stays marked (unlink_requested_at) and is not charged; " +
      "call again, or Astapa finishes the unlink after 15 minutes.",
    auth: "client",
    responses: {
      200: { description: "The method, expired", schema: BILLING_ANSWERS.linkedMethod },
      ...COMMON_ERRORS,
      ...PROVIDER_ERRORS,
    },
  },
};

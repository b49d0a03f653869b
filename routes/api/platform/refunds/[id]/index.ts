/** The Platform API's read of one refund (rfd_…), as the refunds list shows it. */
import type { Handlers } from "@/lib/router/routes.ts";
import { getRefund } from "@/db/refunds.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, refundParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Refunds name what the project's customers paid and got back: the project's own client only. */
export const callers = clients("project");

/** GET answers api.get_refund: the list's row for this refund. */
export const handler: Handlers = {
  async GET(c) {
    const id = refundParam(c);
    const refund = await asClient(c, (tx, projectId) => getRefund(tx, projectId, id));
    return c.json(refund, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "One refund",
    description:
      "`{id}` is the refund's `refund_id` (as in GET /api/platform/refunds). The same object as the list's " +
      "items, with its reconciliation (`reconcile_errors`, `reconcile_stopped_at`, `reconcile_resumed_at`, " +
      "`reconcile_last_error`).",
    auth: "client",
    responses: { 200: { description: "The refund", schema: BILLING_ANSWERS.refund }, ...COMMON_ERRORS },
  },
};

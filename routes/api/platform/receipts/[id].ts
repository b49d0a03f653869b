import type { Handlers } from "@/lib/router/routes.ts";
import { getReceipt } from "@/db/receipts.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** GET one receipt by id (rcp_…) or number (R-2026-000001). */
export const handler: Handlers = {
  async GET(c) {
    const id = c.req.param("id") ?? "";
    if (!/^(rcp_[a-z2-7]{24}|(TEST-)?R-\d{4}-\d{6,})$/.test(id)) throw new AppError("not_found");
    const receipt = await asClient(c, (tx, projectId) => getReceipt(tx, projectId, id));
    if (!receipt) throw new AppError("not_found", { description: "This receipt was not found." });
    return c.json(receipt, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "One receipt",
    description: "By id or number; the printable page is /billing/receipts/{receipt_id}.",
    auth: "client",
    responses: { 200: { description: "The receipt", schema: BILLING_ANSWERS.receipt }, ...COMMON_ERRORS },
  },
};

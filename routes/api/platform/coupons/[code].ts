/** The Platform API's coupon: read it with its redemptions, disable or enable it. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { getCoupon, setCouponDisabled } from "@/db/coupons.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const CouponChange = z.strictObject({ disabled: z.boolean() });

function codeParam(c: Ctx): string {
  const code = c.req.param("code") ?? "";
  if (!/^[A-Za-z0-9_-]{3,40}$/.test(code)) throw new AppError("not_found");
  return code;
}

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const code = codeParam(c);
    return c.json(await asClient(c, (tx, projectId) => getCoupon(tx, projectId, code)), 200, NO_STORE);
  },
  async PATCH(c) {
    const code = codeParam(c);
    const change = validate(CouponChange, await bodyWithoutCredentials(c));
    const coupon = await asClient(
      c,
      (tx, projectId) => setCouponDisabled(tx, projectId, code, change.disabled),
    );
    return c.json(coupon, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Coupons",
    summary: "One coupon with its redemptions (who, which checkout, its status)",
    auth: "client",
    responses: {
      200: { description: "The coupon", schema: BILLING_ANSWERS.couponDetail },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
  patch: {
    tag: "Coupons",
    summary: "Disable a coupon (no new redemptions; renewals carrying it keep it) or enable it again",
    auth: "client",
    body: { schema: CouponChange, media: ["json"] },
    responses: { 200: { description: "The coupon", schema: BILLING_ANSWERS.coupon }, ...COMMON_ERRORS },
  },
};

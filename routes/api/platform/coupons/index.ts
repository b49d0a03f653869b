/** The Platform API's coupons: list them, create one. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { createCoupon, listCoupons } from "@/db/coupons.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Types only: the database checks the values (code format, ranges, plans) and names the field at fault. */
const NewCoupon = z.strictObject({
  code: z.string(),
  percent_off: z.number().int().optional(),
  amount_off_idr: z.number().int().optional(),
  duration: z.enum(["once", "repeating", "forever"]).optional(),
  duration_periods: z.number().int().optional(),
  max_redemptions: z.number().int().nullable().optional(),
  plans: z.array(z.string()).nullable().optional(),
  expires_at: z.string().nullable().optional(),
});

/** Coupons discount what a project charges: the project's own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const coupons = await asClient(c, (tx, projectId) => listCoupons(tx, projectId));
    return c.json({ coupons }, 200, NO_STORE);
  },
  async POST(c) {
    const coupon = validate(NewCoupon, await bodyWithoutCredentials(c));
    const created = await asClient(c, (tx, projectId) => createCoupon(tx, projectId, coupon));
    return c.json(created, 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Coupons",
    summary: "List the project's coupons with their redemption counts",
    auth: "client",
    responses: {
      200: { description: "{coupons: […]}", schema: BILLING_ANSWERS.coupons },
      401: COMMON_ERRORS[401],
    },
  },
  post: {
    tag: "Coupons",
    summary: "Create a coupon",
    description:
      "percent_off (1–99) or amount_off_idr; duration once, repeating (duration_periods) or forever; " +
      "optional max_redemptions, plans and expires_at. 409 when the code exists.",
    auth: "client",
    body: { schema: NewCoupon, media: ["json"] },
    responses: { 201: { description: "The coupon", schema: BILLING_ANSWERS.coupon }, ...COMMON_ERRORS },
  },
};

/**
 * The dashboard's Coupons page: loading it (for GETs and for re-rendering a refused form) and turning the
 * coupon form into what api.create_coupon takes. Values are passed on as typed where they parse; otherwise as
 * written, so the SQL function's own message names the problem.
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { type CouponDetail, getCoupon, listCoupons, type NewCoupon } from "@/db/coupons.ts";
import { getProject, type Project } from "@/db/projects.ts";
import type { FrameData } from "./page_data.ts";
import { frameOf } from "./frame.ts";
import type { Loader, Posted } from "./form_action.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { COUPONS_TEXT } from "./text/coupons.ts";

/** What each `?done=` after a coupon form says (its words: lib/dashboard/text/coupons.ts). */
const COUPON_DONE_NOTICES = { created: "created", disabled: "disabledNotice", enabled: "enabled" } as const;

export const CouponFormSchema = z.object({
  csrf: z.string(),
  code: z.string().trim().max(200),
  kind: z.enum(["percent", "amount"]),
  value: z.string().trim().max(40),
  duration: z.string().max(20).default("once"),
  duration_periods: z.string().trim().max(20).default(""),
  max_redemptions: z.string().trim().max(20).default(""),
  plans: z.string().max(2000).default(""),
  expires_at: z.string().trim().max(40).default(""),
});
export type CouponForm = z.infer<typeof CouponFormSchema>;

export type CouponsData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  coupons: CouponDetail[];
  notice?: string;
  error?: string;
  draft?: Posted;
};

/** Every coupon with its redemptions (newest coupons first); `refills`: a refused new coupon shows what it posted. */
export function couponsView(c: Ctx, refills = false): Loader<CouponsData> {
  return async (tx: Tx, role, projectId, extra, posted) => {
    const coupons = [];
    for (const coupon of await listCoupons(tx, projectId)) {
      coupons.push(await getCoupon(tx, projectId, coupon.code));
    }
    return {
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      role,
      coupons,
      notice: doneNotice(COUPONS_TEXT[dashboardLang(c)], COUPON_DONE_NOTICES, c.req.query("done")),
      ...(extra.error ? { error: extra.error, draft: refills ? posted : undefined } : {}),
    };
  };
}

const whole = (text: string): number | string => /^\d{1,15}$/.test(text) ? Number(text) : text;

/** The form as api.create_coupon's JSON: empty optional fields are left out. */
export function newCouponOf(form: CouponForm): NewCoupon {
  const value = whole(form.value.replaceAll(".", "")) as number;
  const plans = form.plans.split(/[\s,]+/).filter(Boolean);
  return {
    code: form.code,
    ...(form.kind === "percent" ? { percent_off: value } : { amount_off_idr: value }),
    duration: form.duration as NewCoupon["duration"],
    ...(form.duration === "repeating" ? { duration_periods: whole(form.duration_periods) as number } : {}),
    ...(form.max_redemptions ? { max_redemptions: whole(form.max_redemptions) as number } : {}),
    ...(plans.length ? { plans } : {}),
    // A date alone means the end of that day in Jakarta (UTC+7), where the customers are.
    ...(form.expires_at
      ? {
        expires_at: /^\d{4}-\d\d-\d\d$/.test(form.expires_at)
          ? `${form.expires_at}T23:59:59+07:00`
          : form.expires_at,
      }
      : {}),
  };
}

/**
 * The dashboard's Payments page data: a page of the project's checkouts (filters, keyset), the live feed's
 * starting point and the charts; for admins, the Resume button of a payment whose reconciliation stopped
 * (routes/…/payments/reconcile.tsx). Loaded for GETs and for re-rendering a refused resume with its reason.
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getProject, type Project } from "@/db/projects.ts";
import {
  CheckoutStatusSchema,
  listPayments,
  type MethodRevenue,
  paymentFeedCursor,
  type PaymentRow,
  revenueByMethod,
  type SignupDay,
  signupsPerDay,
} from "@/db/dashboard_payments.ts";
import { StoredMethodSchema } from "@/db/payments.ts";
import { mrrByMonth, type MrrMonth } from "@/db/billing_metrics.ts";
import { validate } from "../http/body.ts";
import type { FrameData } from "./page_data.ts";
import { frameOf } from "./frame.ts";
import type { Loader } from "./form_action.ts";
import { resumedNotice } from "./reconcile_text.ts";

export const PAGE_SIZE = 50;
export const CHART_DAYS = 30;

// An empty select ("any") sends an empty string: the same as leaving the filter out.
const blankIsAbsent = (value: unknown) => value === "" ? undefined : value;
const Query = z.object({
  status: z.preprocess(blankIsAbsent, CheckoutStatusSchema.optional()),
  method: z.preprocess(blankIsAbsent, StoredMethodSchema.optional()),
  before: z.string().regex(/^\d{1,18}$/).optional(),
});
export type Filter = z.infer<typeof Query>;

export type PaymentsData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  rows: PaymentRow[];
  filter: Filter;
  next?: string;
  /** The feed's starting point, taken before the list was read (the first page only). */
  cursor: string | null;
  signups: SignupDay[];
  revenue: MethodRevenue[];
  mrr: MrrMonth[];
  notice?: string;
  error?: string;
};

export function paymentsView(c: Ctx): Loader<PaymentsData> {
  const { done, ...query } = c.req.query();
  const filter = validate(Query, query);
  return async (tx: Tx, role, projectId, extra) => {
    const cursor = filter.before ? null : await paymentFeedCursor(tx, projectId);
    const rows = await listPayments(tx, projectId, {
      status: filter.status,
      method: filter.method,
      before: filter.before,
      size: PAGE_SIZE,
    });
    return {
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      role,
      rows,
      filter,
      next: rows.length === PAGE_SIZE ? rows.at(-1)!.id : undefined,
      cursor,
      signups: await signupsPerDay(tx, projectId, CHART_DAYS),
      revenue: await revenueByMethod(tx, projectId, CHART_DAYS),
      mrr: await mrrByMonth(tx, projectId, 12),
      notice: resumedNotice(frameOf(c).lang, done),
      ...(extra.error ? { error: extra.error } : {}),
    };
  };
}

/**
 * The dashboard's Receipts page: the project's numbered receipts with what was refunded of each, and for
 * admins a refund form per receipt (amount, reason, plan effect) that goes through the same refundPayment as
 * the Platform API, and the PPN settings form. Loaded for GETs and for re-rendering a refused form with its
 * reason.
 */
import { UserIdSchema } from "../http/user_id.ts";
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getProject, type Project } from "@/db/projects.ts";
import { listReceipts, type Receipt, type TaxSettings, taxSettings } from "@/db/receipts.ts";
import { listRefunds, PLAN_EFFECTS, type Refund, REFUND_REASONS } from "@/db/refunds.ts";
import type { FrameData } from "./page_data.ts";
import { frameOf } from "./frame.ts";
import type { Loader } from "./form_action.ts";
import { resumedNotice } from "./reconcile_text.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { RECEIPTS_TEXT } from "./text/receipts.ts";

/** What each `?done=` after a form says (its words: lib/dashboard/text/receipts.ts; Resume's: reconcile_text.ts). */
const RECEIPT_DONE_NOTICES = { refunded: "refunded", tax_saved: "taxSaved" } as const;

function receiptNotice(c: Ctx): string | undefined {
  const done = c.req.query("done");
  const lang = dashboardLang(c);
  return doneNotice(RECEIPTS_TEXT[lang], RECEIPT_DONE_NOTICES, done) ?? resumedNotice(lang, done);
}

/** What the refund form sends; an empty amount refunds all that is left. */
export const RefundFormSchema = z.object({
  csrf: z.string(),
  receipt: z.string().regex(/^rcp_[a-z2-7]{24}$/),
  amount: z.string().trim().regex(/^\d{0,13}$/, "Whole rupiah, or empty for all that is left."),
  reason: z.enum(REFUND_REASONS),
  plan_effect: z.enum(PLAN_EFFECTS),
});
export type RefundForm = z.infer<typeof RefundFormSchema>;

export type ReceiptsData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  receipts: Receipt[];
  /** `?user=<sub>`: only this user's receipts (linked from their user page). */
  user: string | null;
  refunds: Refund[];
  /** The PPN settings receipts are issued with (the form below the receipts). */
  tax: TaxSettings;
  notice?: string;
  error?: string;
};

export function receiptsView(c: Ctx): Loader<ReceiptsData> {
  // A `?user=` that is no sub shows every receipt rather than an error page.
  const wanted = UserIdSchema.safeParse(c.req.query("user"));
  const user = wanted.success ? wanted.data : null;
  return async (tx: Tx, role, projectId, extra) => ({
    frame: frameOf(c),
    project: await getProject(tx, projectId),
    role,
    receipts: await listReceipts(tx, projectId, 100, null, user),
    user,
    refunds: await listRefunds(tx, projectId, null, 200),
    tax: await taxSettings(tx, projectId),
    notice: receiptNotice(c),
    ...(extra.error ? { error: extra.error } : {}),
  });
}

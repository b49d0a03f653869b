/**
 * POST …/receipts/reconcile: admins resume a refund's reconciliation with Xendit that stopped after three errors
 * of ours, through api.resume_refund_reconciliation (audited as their account; the billing pass is woken).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { resumeRefundReconciliation } from "@/db/refunds.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { type ReceiptsData, receiptsView } from "@/lib/dashboard/receipts_page.ts";
import { ResumeFormSchema, wordResumeRefusal } from "@/lib/dashboard/reconcile_resume.ts";
import ReceiptsPage from "./index.tsx";

export const handler: Handlers<ReceiptsData> = {
  POST: (c) =>
    formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/receipts`,
      body: ResumeFormSchema,
      load: receiptsView(c),
      run: async (tx, projectId, _role, form) => {
        await resumeRefundReconciliation(tx, projectId, form.id).catch(wordResumeRefusal);
        return "refund_reconcile_resumed";
      },
      title: (data) => `Receipts · ${data.project.name}`,
    }),
};

export default function ReconcilePage(props: PageProps<ReceiptsData>) {
  return <ReceiptsPage {...props} />;
}

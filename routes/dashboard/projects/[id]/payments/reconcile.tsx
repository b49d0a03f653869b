/**
 * POST …/payments/reconcile: admins resume a payment's reconciliation with Xendit that stopped after three errors
 * of ours, through api.resume_payment_reconciliation (audited as their account; the billing pass is woken).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { resumePaymentReconciliation } from "@/db/billing.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { type PaymentsData, paymentsView } from "@/lib/dashboard/payments_page.ts";
import { ResumeFormSchema, wordResumeRefusal } from "@/lib/dashboard/reconcile_resume.ts";
import PaymentsPage from "./index.tsx";

export const handler: Handlers<PaymentsData> = {
  POST: (c) =>
    formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/payments`,
      body: ResumeFormSchema,
      load: paymentsView(c),
      run: async (tx, projectId, _role, form) => {
        await resumePaymentReconciliation(tx, projectId, form.id).catch(wordResumeRefusal);
        return "payment_reconcile_resumed";
      },
      title: (data) => `Payments · ${data.project.name}`,
    }),
};

export default function ReconcilePage(props: PageProps<PaymentsData>) {
  return <PaymentsPage {...props} />;
}

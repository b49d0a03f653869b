import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { actorOf, developer, withProject } from "@/lib/dashboard/access.ts";
import { AfterCommit, formAction } from "@/lib/dashboard/form_action.ts";
import { type ReceiptsData, receiptsView, RefundFormSchema } from "@/lib/dashboard/receipts_page.ts";
import { formatRupiah } from "@/lib/dashboard/rupiah.ts";
import { ReconcileStopped, ResumeButton } from "@/components/dashboard/ReconcileStopped.tsx";
import { refundPayment } from "@/lib/payments/refunds.ts";
import { PLAN_EFFECTS, REFUND_REASONS } from "@/db/refunds.ts";
import { CsrfField, Frame, Notice } from "@/components/dashboard/Frame.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";
import { TaxSettingsForm } from "@/components/dashboard/TaxSettingsForm.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { dashboardLang, fill } from "@/lib/dashboard/i18n.ts";
import { RECEIPTS_TEXT } from "@/lib/dashboard/text/receipts.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

export const handler: Handlers<ReceiptsData> = {
  GET: async (c) => {
    const load = receiptsView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `${RECEIPTS_TEXT[dashboardLang(c)].titleShort} · ${data.project.name}` });
  },
  /** Admins refund (part of) a receipted payment through Xendit, with the plan effect they choose. */
  POST: (c) => {
    const by = actorOf(developer(c));
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/receipts`,
      body: RefundFormSchema,
      load: receiptsView(c),
      // The role is checked in the form's transaction; the refund (a call to Xendit) runs once that has ended.
      run: (_tx, projectId, _role, form) =>
        Promise.resolve(
          new AfterCommit(async () => {
            await refundPayment(c.var.deps, projectId, {
              receipt: form.receipt,
              amount: form.amount === "" ? undefined : Number(form.amount),
              reason: form.reason,
              plan_effect: form.plan_effect,
              requested_by: by,
            });
            return "refunded";
          }),
        ),
      title: (data) => `${RECEIPTS_TEXT[dashboardLang(c)].titleShort} · ${data.project.name}`,
    });
  },
};

const EFFECT_LABELS = {
  end_now: "endNow",
  keep_to_period_end: "keepToPeriodEnd",
  none: "leavePlan",
} as const satisfies Record<typeof PLAN_EFFECTS[number], string>;

/** GET /dashboard/projects/:id/receipts: numbered receipts, refunds, and (admins) the refund action. */
export default function ReceiptsPage({ data }: PageProps<ReceiptsData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  const lang = data.frame.lang;
  const text = RECEIPTS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "payments" }}
    >
      <h1>{text.title}</h1>
      <Notice notice={data.notice} error={data.error} />
      {data.user && (
        <p class="filter-note">
          <Phrase
            text={text.onlyUser}
            parts={{ user: <a href={`${base}/users/${data.user}`}>{data.user}</a> }}
          />{" "}
          <a href={`${base}/receipts`}>{text.everyReceipt}</a>
        </p>
      )}
      <p class="muted">{text.explained}</p>
      {data.receipts.length === 0 && (
        <EmptyState
          title={text.emptyTitle}
          action={{ href: `${base}/payments`, label: text.emptyAction }}
          more={{ href: "/docs/receipts", label: text.emptyMore }}
        >
          <p>{text.emptyWhat}</p>
        </EmptyState>
      )}
      {data.receipts.length > 0 && (
        <table class="list receipts">
          <thead>
            <tr>
              <th scope="col">{text.columnReceipt}</th>
              <th scope="col">{text.columnBuyer}</th>
              <th scope="col">{text.columnPlan}</th>
              <th scope="col">{text.columnPaid}</th>
              <th scope="col">PPN</th>
              <th scope="col">{text.columnRefunded}</th>
              {admin && <th scope="col">{text.columnRefund}</th>}
            </tr>
          </thead>
          <tbody>
            {data.receipts.map((receipt) => {
              const pending = data.refunds.filter((r) =>
                r.receipt_id === receipt.receipt_id && (r.status === "pending" || r.status === "requested")
              );
              const left = receipt.amount - receipt.refunded_idr -
                pending.reduce((sum, r) => sum + r.amount, 0);
              return (
                <tr key={receipt.receipt_id} data-receipt={receipt.number}>
                  <td>
                    <a href={`/billing/receipts/${receipt.receipt_id}`}>{receipt.number}</a>{" "}
                    <span class={`badge ${receipt.environment}`}>{receipt.environment}</span>
                  </td>
                  <td>
                    {receipt.buyer.email}
                    {receipt.buyer.tax_id && (
                      <>
                        <br />NPWP/NIK {receipt.buyer.tax_id}
                      </>
                    )}
                  </td>
                  <td>
                    {receipt.plan_name} <span class="muted">{receipt.method}</span>
                  </td>
                  <td class="number">{formatRupiah(receipt.amount)}</td>
                  <td class="number">{receipt.pkp ? formatRupiah(receipt.ppn_idr) : "—"}</td>
                  <td class="number" data-refunded={receipt.refunded_idr}>
                    {formatRupiah(receipt.refunded_idr)}
                    {pending.length > 0 && (
                      <span class="muted">{fill(text.pending, { count: pending.length })}</span>
                    )}
                  </td>
                  {admin && (
                    <td>
                      {receipt.method === "bank_transfer"
                        ? <span class="muted">{text.notRefundable}</span>
                        : left < 1
                        ? <span class="muted">{text.refundedInFull}</span>
                        : (
                          <form method="post" action={`${base}/receipts`} class="inline refund-form">
                            <CsrfField token={data.frame.csrf} />
                            <input type="hidden" name="receipt" value={receipt.receipt_id} />
                            <label>
                              {fill(text.amount, { left: formatRupiah(left) })}
                              <input
                                name="amount"
                                inputMode="numeric"
                                pattern="\d*"
                                placeholder={String(left)}
                              />
                            </label>
                            <label>
                              {text.reason}
                              <select name="reason">
                                {REFUND_REASONS.map((reason) => (
                                  <option key={reason} value={reason}>{reason}</option>
                                ))}
                              </select>
                            </label>
                            <label>
                              {text.plan}
                              <select name="plan_effect">
                                {PLAN_EFFECTS.map((effect) => (
                                  <option key={effect} value={effect}>{text[EFFECT_LABELS[effect]]}</option>
                                ))}
                              </select>
                            </label>
                            <button type="submit" class="button secondary small">
                              {text.refund}
                              <span class="visually-hidden">{receipt.number}</span>
                            </button>
                          </form>
                        )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {data.refunds.length > 0 && (
        <>
          <h2>{text.refunds}</h2>
          <table class="list refunds">
            <thead>
              <tr>
                <th scope="col">{text.columnReceipt}</th>
                <th scope="col">{text.columnAmount}</th>
                <th scope="col">{text.columnStatus}</th>
                <th scope="col">{text.columnEffect}</th>
                <th scope="col">{text.columnBy}</th>
              </tr>
            </thead>
            <tbody>
              {data.refunds.map((refund) => (
                <tr key={refund.refund_id} data-refund={refund.refund_id} data-status={refund.status}>
                  <td>{refund.receipt_number}</td>
                  <td class="number">{formatRupiah(refund.amount)}</td>
                  <td>
                    {refund.status}
                    {refund.failure_code && <span class="muted">{refund.failure_code}</span>}
                    {refund.reconcile_stopped_at && (
                      <ReconcileStopped
                        errors={refund.reconcile_errors}
                        stoppedAt={refund.reconcile_stopped_at}
                        lastError={refund.reconcile_last_error}
                        logEvent="refund_reconcile_stopped"
                        lang={lang}
                      />
                    )}
                    {refund.reconcile_stopped_at && admin && (
                      <form method="post" action={`${base}/receipts/reconcile`} class="inline reconcile-form">
                        <CsrfField token={data.frame.csrf} />
                        <input type="hidden" name="id" value={refund.refund_id} />
                        <ResumeButton row={refund.refund_id} lang={lang} />
                      </form>
                    )}
                  </td>
                  <td>{text[EFFECT_LABELS[refund.plan_effect]]}</td>
                  <td>{refund.requested_by}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <TaxSettingsForm
        action={`${base}/receipts/tax`}
        csrf={data.frame.csrf}
        tax={data.tax}
        canEdit={admin}
        lang={lang}
      />
    </Frame>
  );
}

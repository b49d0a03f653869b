import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { CheckoutStatusSchema } from "@/db/dashboard_payments.ts";
import { StoredMethodSchema } from "@/db/payments.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { CHART_DAYS, type Filter, type PaymentsData, paymentsView } from "@/lib/dashboard/payments_page.ts";
import { METHOD_LABELS } from "@/lib/dashboard/rupiah.ts";
import { Island } from "@/lib/islands/Island.tsx";
import { Frame, ModeBadge, Notice } from "@/components/dashboard/Frame.tsx";
import { RevenueChart, SignupsChart } from "@/components/dashboard/Charts.tsx";
import { MrrChart } from "@/components/dashboard/MrrChart.tsx";
import PaymentsLive from "@/islands/PaymentsLive.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";

export const handler: Handlers<PaymentsData> = {
  GET: async (c) => {
    const load = paymentsView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `Payments · ${data.project.name}` });
  },
};

function query(filter: Filter, before?: string): string {
  const params = new URLSearchParams();
  if (filter.status) params.set("status", filter.status);
  if (filter.method) params.set("method", filter.method);
  if (before) params.set("before", before);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** GET /dashboard/projects/:id/payments: checkouts of the current mode, live; sign-up and revenue charts. */
export default function PaymentsPage({ data }: PageProps<PaymentsData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const { filter } = data;
  // Nothing at all yet (not merely nothing matching a filter): the page explains how to make a payment.
  const firstPage = data.rows.length === 0 && !filter.status && !filter.method && !filter.before;
  const feed = data.cursor === null ? null : `${base}/payments/events?after=${data.cursor}`;
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "payments" }}
    >
      <h1>Payments</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">
        Checkouts and payments of this project's <ModeBadge mode={data.project.mode} />{" "}
        mode only; amounts in whole rupiah. <a href={`${base}/receipts`}>Receipts and refunds</a>
      </p>
      <section class="charts" aria-label="Last 30 days">
        <div class="card">
          <h2>Sign-ups per day</h2>
          <SignupsChart days={data.signups} mode={data.project.mode} />
        </div>
        <div class="card">
          <h2>Revenue by method</h2>
          <RevenueChart methods={data.revenue} days={CHART_DAYS} mode={data.project.mode} />
        </div>
      </section>
      <section class="charts" aria-label="Last 12 months">
        <div class="card">
          <h2>MRR and churn by month</h2>
          <MrrChart months={data.mrr} mode={data.project.mode} />
        </div>
      </section>
      <form method="get" action={`${base}/payments`} class="form inline-form filters">
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="">any</option>
          {CheckoutStatusSchema.options.map((status) => (
            <option key={status} value={status} selected={filter.status === status}>{status}</option>
          ))}
        </select>
        <label for="method">Method</label>
        <select id="method" name="method">
          <option value="">any</option>
          {StoredMethodSchema.options.map((method) => (
            <option key={method} value={method} selected={filter.method === method}>
              {METHOD_LABELS[method]}
            </option>
          ))}
        </select>
        <button type="submit" class="button secondary">Filter</button>
      </form>
      {firstPage && (
        <EmptyState
          title="No payments yet"
          action={{
            href: `/billing?client_id=${encodeURIComponent(data.project.client_id)}`,
            label: "Open the hosted plan picker",
          }}
          more={{ href: "/docs/payments", label: "How payments work" }}
        >
          <p>
            Each checkout your users start — QRIS, GoPay, OVO or a virtual account — shows here and updates
            live.
            {data.project.mode === "sandbox"
              ? " In sandbox mode, pick a paid plan on the plan picker, choose a method, and press Simulate payment on the checkout page: no money moves and the payment lands here."
              : " Your users reach the checkout from the hosted plan picker or your app's own button (POST /api/platform/checkouts)."}
            {" "}
            The picker needs a paid plan: <a href={`${base}/plans`}>Plans</a>.
          </p>
        </EmptyState>
      )}
      <Island
        of={PaymentsLive}
        props={{
          rows: data.rows,
          base,
          feed,
          filter: { status: filter.status, method: filter.method },
          sayEmpty: !firstPage,
          // Admins resume a stopped reconciliation (the button on such a row).
          resume: data.role === "viewer"
            ? null
            : { action: `${base}/payments/reconcile`, csrf: data.frame.csrf },
        }}
      />
      <p class="pager">
        {filter.before && <a href={`${base}/payments${query(filter)}`}>Newest</a>}{" "}
        {data.next && <a href={`${base}/payments${query(filter, data.next)}`}>Older payments</a>}
      </p>
    </Frame>
  );
}

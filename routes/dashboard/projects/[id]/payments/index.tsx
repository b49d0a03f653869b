import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { CheckoutStatusSchema } from "@/db/dashboard_payments.ts";
import { StoredMethodSchema } from "@/db/payments.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { CHART_DAYS, type Filter, type PaymentsData, paymentsView } from "@/lib/dashboard/payments_page.ts";
import { methodLabel } from "@/lib/dashboard/rupiah.ts";
import { Island } from "@/lib/islands/Island.tsx";
import { Frame, ModeBadge, Notice } from "@/components/dashboard/Frame.tsx";
import { RevenueChart, SignupsChart } from "@/components/dashboard/Charts.tsx";
import { MrrChart } from "@/components/dashboard/MrrChart.tsx";
import PaymentsLive from "@/islands/PaymentsLive.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { PAYMENTS_TEXT } from "@/lib/dashboard/text/payments.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

export const handler: Handlers<PaymentsData> = {
  GET: async (c) => {
    const load = paymentsView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `${PAYMENTS_TEXT[dashboardLang(c)].title} · ${data.project.name}` });
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
  const lang = data.frame.lang;
  const text = PAYMENTS_TEXT[lang];
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
      <p class="muted">
        <Phrase
          text={text.scope}
          parts={{
            mode: <ModeBadge mode={data.project.mode} />,
            receipts: <a href={`${base}/receipts`}>{text.receiptsLink}</a>,
          }}
        />
      </p>
      <section class="charts" aria-label={text.last30Days}>
        <div class="card">
          <h2>{text.signupsPerDay}</h2>
          <SignupsChart days={data.signups} mode={data.project.mode} lang={lang} />
        </div>
        <div class="card">
          <h2>{text.revenueByMethod}</h2>
          <RevenueChart methods={data.revenue} days={CHART_DAYS} mode={data.project.mode} lang={lang} />
        </div>
      </section>
      <section class="charts" aria-label={text.last12Months}>
        <div class="card">
          <h2>{text.mrrAndChurn}</h2>
          <MrrChart months={data.mrr} mode={data.project.mode} lang={lang} />
        </div>
      </section>
      <form method="get" action={`${base}/payments`} class="form inline-form filters">
        <label for="status">{text.status}</label>
        <select id="status" name="status">
          <option value="">{text.any}</option>
          {CheckoutStatusSchema.options.map((status) => (
            <option key={status} value={status} selected={filter.status === status}>{status}</option>
          ))}
        </select>
        <label for="method">{text.method}</label>
        <select id="method" name="method">
          <option value="">{text.any}</option>
          {StoredMethodSchema.options.map((method) => (
            <option key={method} value={method} selected={filter.method === method}>
              {methodLabel(method, null, lang)}
            </option>
          ))}
        </select>
        <button type="submit" class="button secondary">{text.filter}</button>
      </form>
      {firstPage && (
        <EmptyState
          title={text.emptyTitle}
          action={{
            href: `/billing?client_id=${encodeURIComponent(data.project.client_id)}`,
            label: text.emptyAction,
          }}
          more={{ href: "/docs/payments", label: text.emptyMore }}
        >
          <p>
            {text.emptyWhat} {data.project.mode === "sandbox" ? text.emptySandbox : text.emptyProduction}{" "}
            <Phrase
              text={text.emptyNeedsPlan}
              parts={{ plans: <a href={`${base}/plans`}>{text.plans}</a> }}
            />
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
          lang,
          // Admins resume a stopped reconciliation (the button on such a row).
          resume: data.role === "viewer"
            ? null
            : { action: `${base}/payments/reconcile`, csrf: data.frame.csrf },
        }}
      />
      <p class="pager">
        {filter.before && <a href={`${base}/payments${query(filter)}`}>{text.newest}</a>}{" "}
        {data.next && <a href={`${base}/payments${query(filter, data.next)}`}>{text.older}</a>}
      </p>
    </Frame>
  );
}

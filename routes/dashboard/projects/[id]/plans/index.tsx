import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { createPlan } from "@/db/plans.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { newPlanOf, PlanFormSchema, type PlansData, plansView } from "@/lib/dashboard/plans_page.ts";
import { formatRupiah } from "@/lib/dashboard/rupiah.ts";
import { CsrfField, Frame, Notice } from "@/components/dashboard/Frame.tsx";
import { ClaimList, intervalLabel, PlanFields } from "@/components/dashboard/PlanFields.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { dashboardLang, fill } from "@/lib/dashboard/i18n.ts";
import { PLANS_TEXT } from "@/lib/dashboard/text/plans.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

export const handler: Handlers<PlansData> = {
  GET: async (c) => {
    const load = plansView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `${PLANS_TEXT[dashboardLang(c)].title} · ${data.project.name}` });
  },
  /** Admins create a plan through api.create_plan (the same function as the plans API and CLI). */
  POST: (c) =>
    formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/plans`,
      body: PlanFormSchema,
      load: plansView(c, true),
      run: async (tx, projectId, _role, form) => {
        await createPlan(tx, projectId, newPlanOf(form));
        return "created";
      },
      title: (data) => `${PLANS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
    }),
};

/** GET /dashboard/projects/:id/plans: the project's plans with prices and subscribers; admins change them. */
export default function PlansPage({ data }: PageProps<PlansData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  const lang = data.frame.lang;
  const text = PLANS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "plans" }}
    >
      <h1>{text.title}</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">{fill(text.subscribersExplained, { mode: data.project.mode })}</p>
      {!data.plans.some((plan) => plan.price_idr > 0 && !plan.archived) && (
        <EmptyState
          title={text.emptyTitle}
          action={admin ? { href: "#new-plan", label: text.emptyAction } : undefined}
          more={{ href: "/docs/plans", label: text.emptyMore }}
        >
          <p>
            <Phrase
              text={text.emptyWhat}
              parts={{
                claim: <code>custom_claims.plan</code>,
                picker: (
                  <a href={`/billing?client_id=${encodeURIComponent(data.project.client_id)}`}>
                    <code>/billing?client_id={data.project.client_id}</code>
                  </a>
                ),
              }}
            />
          </p>
        </EmptyState>
      )}
      {data.plans.length > 0 && (
        <table class="list plans">
          <thead>
            <tr>
              <th scope="col">{text.columnPlan}</th>
              <th scope="col">{text.columnPrice}</th>
              <th scope="col">{text.columnClaims}</th>
              <th scope="col">{text.columnSubscribers}</th>
              <th scope="col">{text.columnState}</th>
              {admin && <th scope="col">{text.columnActions}</th>}
            </tr>
          </thead>
          <tbody>
            {data.plans.map((plan) => (
              <tr key={plan.key} class={plan.archived ? "archived" : undefined} data-plan={plan.key}>
                <td>
                  <a href={`${base}/plans/${plan.key}`}>{plan.name}</a> <code>{plan.key}</code>
                </td>
                <td>
                  <span class="price">{formatRupiah(plan.price_idr)}</span>{" "}
                  <span class="muted">{intervalLabel(plan.interval, lang)}</span>
                </td>
                <td>
                  <ClaimList claims={plan.claims} lang={lang} />
                </td>
                <td class="number" data-subscribers={plan.subscribers}>{plan.subscribers}</td>
                <td>
                  {plan.default && <span class="badge default">{text.stateDefault}</span>}
                  {plan.archived && <span class="badge archived">{text.stateArchived}</span>}
                  {!plan.default && !plan.archived && <span class="muted">{text.stateAvailable}</span>}
                </td>
                {admin && (
                  <td class="plan-actions">
                    {!plan.default && (
                      <form method="post" action={`${base}/plans/${plan.key}/archived`} class="inline">
                        <CsrfField token={data.frame.csrf} />
                        <input type="hidden" name="archived" value={plan.archived ? "false" : "true"} />
                        <button type="submit" class="button secondary small">
                          {plan.archived ? text.unarchive : text.archive}
                          <span class="visually-hidden">{plan.name}</span>
                        </button>
                      </form>
                    )}
                    {!plan.default && !plan.archived && (
                      <form method="post" action={`${base}/plans/${plan.key}/default`} class="inline">
                        <CsrfField token={data.frame.csrf} />
                        <button type="submit" class="button secondary small">
                          {text.makeDefault}
                          <span class="visually-hidden">{plan.name}</span>
                        </button>
                      </form>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && (
        <form method="post" action={`${base}/plans`} class="card form" id="new-plan">
          <CsrfField token={data.frame.csrf} />
          <h2>{text.newPlan}</h2>
          <PlanFields draft={data.draft} creating lang={lang} />
          <button type="submit" class="button">{text.createPlan}</button>
        </form>
      )}
    </Frame>
  );
}

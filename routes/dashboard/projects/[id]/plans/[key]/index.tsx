import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { updatePlan } from "@/db/plans.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import {
  planChangesOf,
  type PlanData,
  PlanFormSchema,
  planKeyOf,
  planView,
} from "@/lib/dashboard/plans_page.ts";
import { formatRupiah, formatWhen } from "@/lib/dashboard/rupiah.ts";
import { CsrfField, Frame, Notice } from "@/components/dashboard/Frame.tsx";
import { ClaimList, intervalLabel, PlanFields } from "@/components/dashboard/PlanFields.tsx";
import { dashboardLang, fill } from "@/lib/dashboard/i18n.ts";
import { PLANS_TEXT } from "@/lib/dashboard/text/plans.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

export const handler: Handlers<PlanData> = {
  GET: async (c) => {
    const load = planView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `${data.plan.name} · ${PLANS_TEXT[dashboardLang(c)].title}` });
  },
  /** Admins change a plan through api.update_plan (name, description, price, interval, claims, order). */
  POST: (c) => {
    const key = planKeyOf(c);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/plans/${key}`,
      body: PlanFormSchema,
      load: planView(c, true),
      run: async (tx, projectId, _role, form) => {
        await updatePlan(tx, projectId, key, planChangesOf(form));
        return "saved";
      },
      title: (data) => `${data.plan.name} · ${PLANS_TEXT[dashboardLang(c)].title}`,
    });
  },
};

/** GET /dashboard/projects/:id/plans/:key: one plan's facts; admins edit it. */
export default function PlanPage({ data }: PageProps<PlanData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const { plan } = data;
  const lang = data.frame.lang;
  const text = PLANS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: PROJECTS_TEXT[lang].title },
        { href: base, label: data.project.name },
        { href: `${base}/plans`, label: text.title },
      ]}
      project={{ id: data.project.project_id, section: "plans" }}
    >
      <h1>{plan.name}</h1>
      <Notice notice={data.notice} error={data.error} />
      <section class="card">
        <dl class="facts">
          <dt>{text.key}</dt>
          <dd>
            <code>{plan.key}</code>
          </dd>
          <dt>{text.columnPrice}</dt>
          <dd>
            {formatRupiah(plan.price_idr)} {intervalLabel(plan.interval, lang)}
          </dd>
          <dt>{text.columnClaims}</dt>
          <dd>
            <ClaimList claims={plan.claims} lang={lang} />
          </dd>
          <dt>{text.columnSubscribers}</dt>
          <dd>{plan.subscribers}</dd>
          <dt>{text.columnState}</dt>
          <dd>
            {plan.default
              ? text.stateDefault
              : plan.archived
              ? fill(text.stateArchivedOn, { date: formatWhen(plan.archived_at, lang) })
              : text.stateAvailable}
          </dd>
        </dl>
      </section>
      {data.role !== "viewer" && (
        <>
          <form method="post" action={`${base}/plans/${plan.key}`} class="card form">
            <CsrfField token={data.frame.csrf} />
            <h2>{text.edit}</h2>
            <PlanFields draft={data.draft} plan={plan} creating={false} lang={lang} />
            <button type="submit" class="button">{text.savePlan}</button>
          </form>
          {!plan.default && (
            <div class="card form inline-form">
              <form method="post" action={`${base}/plans/${plan.key}/archived`} class="inline">
                <CsrfField token={data.frame.csrf} />
                <input type="hidden" name="archived" value={plan.archived ? "false" : "true"} />
                <button type="submit" class="button secondary">
                  {plan.archived ? text.unarchive : text.archive}
                </button>
              </form>{" "}
              {!plan.archived && (
                <form method="post" action={`${base}/plans/${plan.key}/default`} class="inline">
                  <CsrfField token={data.frame.csrf} />
                  <button type="submit" class="button secondary">{text.makeDefault}</button>
                </form>
              )}
            </div>
          )}
        </>
      )}
    </Frame>
  );
}

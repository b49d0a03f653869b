import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
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

export const handler: Handlers<PlanData> = {
  GET: async (c) => {
    const load = planView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `${data.plan.name} · Plans` });
  },
  /** Admins change a plan through api.update_plan (name, description, price, interval, claims, order). */
  POST: async (c) => {
    const form = await readBody(c, PlanFormSchema, ["form"]);
    const key = planKeyOf(c);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/plans/${key}`,
      load: planView(c, form),
      run: async (tx, projectId) => {
        await updatePlan(tx, projectId, key, planChangesOf(form));
        return "saved";
      },
      title: (data) => `${data.plan.name} · Plans`,
    });
  },
};

/** GET /dashboard/projects/:id/plans/:key: one plan's facts; admins edit it. */
export default function PlanPage({ data }: PageProps<PlanData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const { plan } = data;
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: "Projects" },
        { href: base, label: data.project.name },
        { href: `${base}/plans`, label: "Plans" },
      ]}
      project={{ id: data.project.project_id, section: "plans" }}
    >
      <h1>{plan.name}</h1>
      <Notice notice={data.notice} error={data.error} />
      <section class="card">
        <dl class="facts">
          <dt>Key</dt>
          <dd>
            <code>{plan.key}</code>
          </dd>
          <dt>Price</dt>
          <dd>
            {formatRupiah(plan.price_idr)} {intervalLabel(plan.interval)}
          </dd>
          <dt>Claims</dt>
          <dd>
            <ClaimList claims={plan.claims} />
          </dd>
          <dt>Subscribers</dt>
          <dd>{plan.subscribers}</dd>
          <dt>State</dt>
          <dd>
            {plan.default
              ? "default"
              : plan.archived
              ? `archived ${formatWhen(plan.archived_at)}`
              : "available"}
          </dd>
        </dl>
      </section>
      {data.role !== "viewer" && (
        <>
          <form method="post" action={`${base}/plans/${plan.key}`} class="card form">
            <CsrfField token={data.frame.csrf} />
            <h2>Edit</h2>
            <PlanFields draft={data.draft} plan={plan} creating={false} />
            <button type="submit" class="button">Save plan</button>
          </form>
          {!plan.default && (
            <div class="card form inline-form">
              <form method="post" action={`${base}/plans/${plan.key}/archived`} class="inline">
                <CsrfField token={data.frame.csrf} />
                <input type="hidden" name="archived" value={plan.archived ? "false" : "true"} />
                <button type="submit" class="button secondary">
                  {plan.archived ? "Unarchive" : "Archive"}
                </button>
              </form>{" "}
              {!plan.archived && (
                <form method="post" action={`${base}/plans/${plan.key}/default`} class="inline">
                  <CsrfField token={data.frame.csrf} />
                  <button type="submit" class="button secondary">Make default</button>
                </form>
              )}
            </div>
          )}
        </>
      )}
    </Frame>
  );
}

import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { createPlan } from "@/db/plans.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { newPlanOf, PlanFormSchema, type PlansData, plansView } from "@/lib/dashboard/plans_page.ts";
import { formatRupiah } from "@/lib/dashboard/rupiah.ts";
import { CsrfField, Frame, Notice } from "@/components/dashboard/Frame.tsx";
import { ClaimList, intervalLabel, PlanFields } from "@/components/dashboard/PlanFields.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";

export const handler: Handlers<PlansData> = {
  GET: async (c) => {
    const load = plansView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `Plans · ${data.project.name}` });
  },
  /** Admins create a plan through api.create_plan (the same function as the plans API and CLI). */
  POST: async (c) => {
    const form = await readBody(c, PlanFormSchema, ["form"]);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/plans`,
      load: plansView(c, form),
      run: async (tx, projectId) => {
        await createPlan(tx, projectId, newPlanOf(form));
        return "created";
      },
      title: (data) => `Plans · ${data.project.name}`,
    });
  },
};

/** GET /dashboard/projects/:id/plans: the project's plans with prices and subscribers; admins change them. */
export default function PlansPage({ data }: PageProps<PlansData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "plans" }}
    >
      <h1>Plans</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">
        Subscribers: users of this project's {data.project.mode}{" "}
        mode with an active subscription. Plans are archived, never deleted.
      </p>
      {!data.plans.some((plan) => plan.price_idr > 0 && !plan.archived) && (
        <EmptyState
          title="No paid plans yet"
          action={admin ? { href: "#new-plan", label: "Create a paid plan" } : undefined}
          more={{ href: "/docs/plans", label: "How plans reach your tokens" }}
        >
          <p>
            A plan is a tier of your app (Free, Pro, …) with a price in rupiah and the claims it puts in every
            token (<code>custom_claims.plan</code>). Once there is one, people choose it on the hosted plan
            picker,{" "}
            <a href={`/billing?client_id=${encodeURIComponent(data.project.client_id)}`}>
              <code>/billing?client_id={data.project.client_id}</code>
            </a>, and pay through the checkout.
          </p>
        </EmptyState>
      )}
      {data.plans.length > 0 && (
        <table class="list plans">
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Price</th>
              <th scope="col">Claims</th>
              <th scope="col">Subscribers</th>
              <th scope="col">State</th>
              {admin && <th scope="col">Actions</th>}
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
                  <span class="muted">{intervalLabel(plan.interval)}</span>
                </td>
                <td>
                  <ClaimList claims={plan.claims} />
                </td>
                <td class="number" data-subscribers={plan.subscribers}>{plan.subscribers}</td>
                <td>
                  {plan.default && <span class="badge default">default</span>}
                  {plan.archived && <span class="badge archived">archived</span>}
                  {!plan.default && !plan.archived && <span class="muted">available</span>}
                </td>
                {admin && (
                  <td class="plan-actions">
                    {!plan.default && (
                      <form method="post" action={`${base}/plans/${plan.key}/archived`} class="inline">
                        <CsrfField token={data.frame.csrf} />
                        <input type="hidden" name="archived" value={plan.archived ? "false" : "true"} />
                        <button type="submit" class="button secondary small">
                          {plan.archived ? "Unarchive" : "Archive"}
                          <span class="visually-hidden">{plan.name}</span>
                        </button>
                      </form>
                    )}
                    {!plan.default && !plan.archived && (
                      <form method="post" action={`${base}/plans/${plan.key}/default`} class="inline">
                        <CsrfField token={data.frame.csrf} />
                        <button type="submit" class="button secondary small">
                          Make default<span class="visually-hidden">{plan.name}</span>
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
          <h2>New plan</h2>
          <PlanFields draft={data.draft} creating />
          <button type="submit" class="button">Create plan</button>
        </form>
      )}
    </Frame>
  );
}

/**
 * The organization billing portal: a signed-in owner or admin of an app's organizations sees each one's team
 * plan, seats and payments, and buys, renews or adds seats (a team plan checkout, then the usual checkout page),
 * or cancels the plan at the end of its period and resumes it, or changes it to another team plan from the next
 * period and withdraws that, or chooses one of their own active linked methods to pay its renewals. Plain forms, CSRF and same-origin checked; the payer (or the one cancelling or choosing)
 * is always the session's own user.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { asApp } from "@/db/client.ts";
import { type OrganizationBilling, organizationBilling } from "@/db/team_plans.ts";
import {
  cancelOrganizationPlan,
  resumeOrganizationPlan,
  setOrganizationBillingMethod,
} from "@/db/organization_renewals.ts";
import { cancelOrganizationPlanChange, changeOrganizationPlan } from "@/db/organization_plan_changes.ts";
import { OrganizationPlanChange, TeamPlanChoices } from "@/components/OrganizationPlanChange.tsx";
import { validate } from "@/lib/http/body.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { csrfToken } from "@/lib/login/browser.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { CLIENT_ID, sameOrigin, signedIn, signInFirst } from "@/lib/payments/billing_session.ts";
import { CsrfField, readPageBody, staleFormRefused } from "@/lib/payments/page_forms.ts";
import { portalDate } from "@/lib/payments/portal_text.ts";
import { rupiah } from "@/lib/payments/receipt_text.ts";
import { openOrganizationCheckout } from "@/lib/organizations/team_checkout.ts";
import {
  ORG_PORTAL_NOTICES,
  ORG_PORTAL_TEXT,
  type OrgPortalNotice,
} from "@/lib/organizations/portal_text.ts";

const Query = z.object({
  client_id: z.string().regex(CLIENT_ID, "A client_id (cid_…)."),
  notice: z.enum(ORG_PORTAL_NOTICES).optional(),
});
/** Every form carries the page's language, so the answer (this page, the checkout page) is in that language. */
const FormLang = { lang: z.enum(["en", "id"]).optional() };
const Buy = z.object({
  ...CsrfField,
  ...FormLang,
  client_id: Query.shape.client_id,
  organization: z.string().regex(/^org_[a-z2-7]{24}$/),
  plan: z.string().regex(/^[a-z0-9_-]{1,64}$/),
  seats: z.coerce.number().int().min(1).max(100_000).optional(),
});
const Change = z.object({
  ...CsrfField,
  ...FormLang,
  client_id: Query.shape.client_id,
  organization: Buy.shape.organization,
  intent: z.enum(["cancel", "resume"]),
});
/** Another team plan from the next period (its seats, per seat), or withdrawing the one scheduled. */
const PlanChange = z.object({
  ...CsrfField,
  ...FormLang,
  client_id: Query.shape.client_id,
  organization: Buy.shape.organization,
  intent: z.enum(["change_plan", "withdraw_change"]),
  plan: Buy.shape.plan.optional(),
  seats: Buy.shape.seats,
});
/** The linked method that pays the renewals: one of the chooser's own (lpm_…), or "none". */
const ChooseMethod = z.object({
  ...CsrfField,
  client_id: Query.shape.client_id,
  organization: Buy.shape.organization,
  method: z.union([z.literal("none"), z.string().regex(/^lpm_[a-z2-7]{24}$/)]),
  ...FormLang,
});

type PortalData = {
  lang: Lang;
  clientId: string;
  appName: string;
  billing: OrganizationBilling;
  csrf: string;
  notice?: OrgPortalNotice;
};

/**
 * The page of the signed-in person's organizations (or the way to sign in first). A stale form
 * (lib/payments/page_forms.ts) gets it again with the `stale_form` notice, 403, in the form's language.
 */
async function portalPage(c: Ctx, clientId: string, notice?: OrgPortalNotice, stale?: { lang?: Lang }) {
  const who = await signedIn(c, clientId);
  if (!who.userId && stale) throw staleFormRefused();
  if (!who.userId) return signInFirst(c, clientId, "organizations");
  const billing = await asApp(c.var.deps.sql, who.projectId, (tx) => organizationBilling(tx, who.userId!));
  const lang = stale?.lang ?? pickLang(c);
  c.header("cache-control", "no-store");
  return page(
    {
      lang,
      clientId,
      appName: who.appName,
      billing,
      csrf: csrfToken(c),
      notice: stale ? "stale_form" : notice,
    },
    { title: `${ORG_PORTAL_TEXT[lang].title} · ${who.appName}`, lang, ...(stale ? { status: 403 } : {}) },
  );
}

export const handler: Handlers<PortalData> = {
  GET(c) {
    const query = validate(Query, { client_id: c.req.query("client_id"), notice: c.req.query("notice") });
    return portalPage(c, query.client_id, query.notice);
  },

  /**
   * Opens a team plan checkout paid by the session's user, or cancels or resumes the plan, or chooses the
   * linked method paying its renewals, as that user (SQL refuses anyone but an owner or admin).
   */
  async POST(c) {
    sameOrigin(c);
    // PlanChange first: its change_plan form also has the fields of Buy.
    const read = await readPageBody(
      c,
      z.union([PlanChange, Change, ChooseMethod, Buy]),
      (body) => portalPage(c, body.client_id, undefined, body),
    );
    if ("stale" in read) return read.stale;
    const form = read.body;
    const who = await signedIn(c, form.client_id);
    if (!who.userId) return signInFirst(c, form.client_id, "organizations");
    const back = (notice: OrgPortalNotice) =>
      c.redirect(
        `/billing/organizations?${new URLSearchParams({
          client_id: form.client_id,
          notice,
          ...(form.lang ? { lang: form.lang } : {}),
        })}`,
        303,
      );
    if ("method" in form) {
      const method = form.method === "none" ? null : form.method;
      try {
        await asApp(
          c.var.deps.sql,
          who.projectId,
          (tx) => setOrganizationBillingMethod(tx, who.projectId, who.userId!, form.organization, method),
        );
      } catch (error) {
        // Not their organization (or another project's), not their method, not active: said on the page.
        const refused = toAppError(error);
        if (refused.code === "conflict") return back("method_not_active");
        // The SQL names the field at fault (DETAIL): the organization, or the method.
        if (refused.code === "not_found" && refused.fields?.organization) return back("method_not_admin");
        if (refused.code === "not_found" && refused.fields?.method_id) return back("method_not_yours");
        throw error;
      }
      return back(method ? "method_set" : "method_cleared");
    }
    // The seats field is for per-seat plans; a flat plan comes with its own seats.
    const seatsFor = async (plan: string, seats: number | undefined) => {
      const { team_plans } = await asApp(
        c.var.deps.sql,
        who.projectId,
        (tx) => organizationBilling(tx, who.userId!),
      );
      return team_plans.find((p) => p.key === plan)?.seat_pricing === "flat" ? undefined : seats;
    };
    if ("intent" in form && (form.intent === "change_plan" || form.intent === "withdraw_change")) {
      const { intent, plan, organization } = form;
      const seats = plan ? await seatsFor(plan, form.seats) : undefined;
      try {
        await asApp(
          c.var.deps.sql,
          who.projectId,
          (tx) =>
            intent === "withdraw_change" || !plan
              ? cancelOrganizationPlanChange(tx, who.projectId, organization, who.userId!)
              : changeOrganizationPlan(tx, who.projectId, organization, who.userId!, plan, seats ?? null),
        );
      } catch (error) {
        // Not an owner or admin (any more), fewer seats than members, nothing to change or withdraw (another
        // admin did it first, the period ended), a plan taken off sale: said on the page, in its language.
        const refused = toAppError(error);
        if (refused.code === "forbidden" || refused.code === "not_found") return back("not_admin");
        if (refused.code === "conflict") {
          return back(refused.fields?.seats ? "change_too_few_seats" : "change_refused");
        }
        if (refused.code === "validation_failed") return back("plan_unavailable");
        throw error;
      }
      return back(intent === "change_plan" && plan ? "change_scheduled" : "change_withdrawn");
    }
    if ("intent" in form) {
      const change = form.intent === "cancel" ? cancelOrganizationPlan : resumeOrganizationPlan;
      try {
        await asApp(
          c.var.deps.sql,
          who.projectId,
          (tx) => change(tx, who.projectId, form.organization, who.userId!),
        );
      } catch (error) {
        // No longer an owner or admin (or another project's organization), or nothing left to cancel or resume
        // (the period ended meanwhile, another admin did it first): said on the page, in its language.
        const refused = toAppError(error);
        if (refused.code === "forbidden" || refused.code === "not_found") return back("not_admin");
        if (refused.code === "conflict") {
          return back(form.intent === "cancel" ? "cancel_refused" : "resume_refused");
        }
        throw error;
      }
      return back(form.intent === "cancel" ? "plan_canceled" : "plan_resumed");
    }
    const seats = await seatsFor(form.plan, form.seats);
    let checkoutId: string;
    try {
      const checkout = await openOrganizationCheckout(c.var.deps, who.projectId, form.organization, {
        sub: who.userId,
        plan: form.plan,
        ...(seats !== undefined ? { seats } : {}),
      });
      checkoutId = checkout.checkout_id;
    } catch (error) {
      // Fewer seats than members, no longer an owner or admin, a plan taken off sale meanwhile: on the page.
      const refused = toAppError(error);
      if (refused.code === "conflict") return back("too_few_seats");
      if (refused.code === "forbidden" || refused.code === "not_found") return back("not_admin");
      if (refused.code === "validation_failed") return back("plan_unavailable");
      throw error;
    }
    return c.redirect(
      `/billing/checkout/${checkoutId}${form.lang ? `?${new URLSearchParams({ lang: form.lang })}` : ""}`,
      303,
    );
  },
};

/** GET /billing/organizations?client_id=…: each organization the person pays for, and a form to pay. */
export default function OrganizationsPortal({ data }: PageProps<PortalData>) {
  const text = ORG_PORTAL_TEXT[data.lang];
  const { organizations, team_plans } = data.billing;
  return (
    <section class="card portal organizations">
      <p class="eyebrow">{data.appName}</p>
      <h1>{text.title}</h1>
      {data.notice && (
        <p class="notice" role="status" data-notice={data.notice}>{text.notices[data.notice]}</p>
      )}
      <p>{organizations.length === 0 ? text.none : text.intro}</p>
      {organizations.map((org) => (
        <article key={org.id} data-organization={org.slug}>
          <h2>{org.name}</h2>
          <p>
            {org.plan_name === null ? text.noPlan : text.plan(org.plan_name)}{" "}
            {org.plan_paid_through && text.paidThrough(portalDate(org.plan_paid_through, data.lang))}
          </p>
          {org.plan_canceled_at && org.plan_paid_through && (
            <p class="notice">{text.canceled(portalDate(org.plan_paid_through, data.lang))}</p>
          )}
          {org.plan_grace_until && (
            <p class="notice">{text.grace(portalDate(org.plan_grace_until, data.lang))}</p>
          )}
          <p>{text.seats(org.members, org.seat_limit)}</p>
          {org.next_seat_limit !== null && org.next_seat_limit_from && (
            <p data-next-seats>
              {text.nextSeats(org.next_seat_limit, portalDate(org.next_seat_limit_from, data.lang))}
            </p>
          )}
          {org.plan && org.plan_paid_through && Date.parse(org.plan_paid_through) > Date.now() && (
            <form method="post" action="/billing/organizations">
              <input type="hidden" name="csrf" value={data.csrf} />
              <input type="hidden" name="client_id" value={data.clientId} />
              <input type="hidden" name="organization" value={org.id} />
              <input type="hidden" name="lang" value={data.lang} />
              <button
                type="submit"
                class="button secondary"
                name="intent"
                value={org.plan_canceled_at ? "resume" : "cancel"}
              >
                {org.plan_canceled_at ? text.resume : text.cancel}
              </button>
            </form>
          )}
          {team_plans.length === 0
            ? <p class="muted">{text.noTeamPlans}</p>
            : (
              <form method="post" action="/billing/organizations" class="stack">
                <h3>{text.buy}</h3>
                <input type="hidden" name="csrf" value={data.csrf} />
                <input type="hidden" name="client_id" value={data.clientId} />
                <input type="hidden" name="organization" value={org.id} />
                <input type="hidden" name="lang" value={data.lang} />
                <TeamPlanChoices
                  lang={data.lang}
                  plans={team_plans}
                  checked={(plan, i) => plan.key === org.plan || (!org.plan && i === 0)}
                  members={org.members}
                  seats={org.seat_limit ?? Math.max(1, org.members)}
                />
                <button type="submit" class="button">{text.pay}</button>
              </form>
            )}
          <OrganizationPlanChange
            lang={data.lang}
            clientId={data.clientId}
            csrf={data.csrf}
            org={org}
            teamPlans={team_plans}
          />
          <MethodForm data={data} org={org} />
          {org.payments.length > 0 && (
            <>
              <h3>{text.payments}</h3>
              <ul>
                {org.payments.map((p) => (
                  <li key={p.checkout_id}>
                    {p.paid_at && portalDate(p.paid_at, data.lang)} · {p.plan} ·{" "}
                    {text.paid(p.seats, p.seats_from)} · {rupiah(p.amount)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </article>
      ))}
    </section>
  );
}

/** Which linked method pays the organization's renewals, and the chooser's own active methods to pick from. */
function MethodForm(
  { data, org }: { data: PortalData; org: OrganizationBilling["organizations"][number] },
) {
  const text = ORG_PORTAL_TEXT[data.lang];
  const chosen = org.billing_method;
  const mine = data.billing.linked_methods;
  return (
    <form method="post" action="/billing/organizations" class="stack" data-method-form>
      <h3>{text.method}</h3>
      <p data-billing-method={chosen?.method_id ?? "none"}>
        {chosen
          ? text.methodNow(chosen.label, chosen.mine, chosen.active, chosen.unlinking)
          : text.methodNone}
      </p>
      <input type="hidden" name="csrf" value={data.csrf} />
      <input type="hidden" name="client_id" value={data.clientId} />
      <input type="hidden" name="organization" value={org.id} />
      <input type="hidden" name="lang" value={data.lang} />
      {mine.length === 0 && <p class="muted">{text.methodNoneLinked}</p>}
      <label>
        <input type="radio" name="method" value="none" checked={!chosen} required /> {text.methodPickNone}
      </label>
      {mine.map((m) => (
        <label key={m.method_id}>
          <input type="radio" name="method" value={m.method_id} checked={chosen?.method_id === m.method_id} />
          {" "}
          {m.label}
        </label>
      ))}
      <button type="submit" class="button secondary">{text.methodSave}</button>
    </form>
  );
}

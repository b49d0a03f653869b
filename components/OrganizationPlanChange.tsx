/**
 * The organization billing portal's plan change from the next period (api.change_organization_plan): the change
 * scheduled, with a button to withdraw it, and a form to choose another team plan (and, per seat, its seats).
 * Shown for a running team plan that renews; the forms post to /billing/organizations as the signed-in owner or
 * admin, in the page's language. TeamPlanChoices (the plans and seats to choose) serves the buy form too.
 */
import type { OrganizationBilling } from "@/db/team_plans.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { ORG_PORTAL_TEXT } from "@/lib/organizations/portal_text.ts";
import { BILLING_TEXT, intervalText } from "@/lib/payments/page_text.ts";
import { portalDate } from "@/lib/payments/portal_text.ts";
import { rupiah } from "@/lib/payments/receipt_text.ts";

type Props = {
  lang: Lang;
  clientId: string;
  csrf: string;
  org: OrganizationBilling["organizations"][number];
  teamPlans: OrganizationBilling["team_plans"];
};

/** The hidden fields every portal form carries. */
function Hidden({ lang, clientId, csrf, org }: Props) {
  return (
    <>
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="client_id" value={clientId} />
      <input type="hidden" name="organization" value={org.id} />
      <input type="hidden" name="lang" value={lang} />
    </>
  );
}

export function OrganizationPlanChange(props: Props) {
  const { lang, org, teamPlans } = props;
  const text = ORG_PORTAL_TEXT[lang];
  const scheduled = org.plan_change;
  const renews = org.plan !== null && org.plan_paid_through !== null && !org.plan_canceled_at &&
    Date.parse(org.plan_paid_through) > Date.now();
  const others = teamPlans.filter((plan) => plan.key !== org.plan);
  if (!scheduled && (!renews || others.length === 0)) return null;
  return (
    <section class="stack" data-plan-change-section>
      <h3>{text.changeTitle}</h3>
      {scheduled && (
        <form
          method="post"
          action="/billing/organizations"
          class="notice"
          data-plan-change={scheduled.to_plan}
        >
          <p>
            {text.scheduledChange(
              scheduled.to_plan_name,
              scheduled.seats,
              scheduled.effective_at ? portalDate(scheduled.effective_at, lang) : "",
            )}
          </p>
          <Hidden {...props} />
          <input type="hidden" name="intent" value="withdraw_change" />
          <button type="submit" class="button secondary">{text.withdrawChange}</button>
        </form>
      )}
      {renews && others.length > 0 && (
        <form method="post" action="/billing/organizations" class="stack" data-change-form>
          <p class="hint">{text.changeHint(portalDate(org.plan_paid_through!, lang))}</p>
          <Hidden {...props} />
          <input type="hidden" name="intent" value="change_plan" />
          <TeamPlanChoices
            lang={lang}
            plans={others}
            checked={(plan, i) =>
              scheduled ? plan.key === scheduled.to_plan : i === 0}
            members={org.members}
            seats={scheduled?.seats ?? org.next_seat_limit ?? org.seat_limit ?? Math.max(1, org.members)}
          />
          <button type="submit" class="button secondary">{text.changeSubmit}</button>
        </form>
      )}
    </section>
  );
}

/** The team plans to choose from (price per seat, or flat with its seats) and the seats field of per-seat plans. */
export function TeamPlanChoices(props: {
  lang: Lang;
  plans: OrganizationBilling["team_plans"];
  checked: (plan: OrganizationBilling["team_plans"][number], index: number) => boolean;
  members: number;
  seats: number;
}) {
  const text = ORG_PORTAL_TEXT[props.lang];
  return (
    <>
      {props.plans.map((plan, i) => (
        <label key={plan.key}>
          <input type="radio" name="plan" value={plan.key} checked={props.checked(plan, i)} required />{" "}
          {plan.name} · {rupiah(plan.price_idr)} {plan.seat_pricing === "per_seat"
            ? `${text.perSeat} `
            : `(${text.flatSeats(plan.included_seats ?? 0)}) `}
          {intervalText(BILLING_TEXT[props.lang], plan.interval)}
        </label>
      ))}
      <label>
        {text.seatsLabel}{" "}
        <input type="number" name="seats" min={Math.max(1, props.members)} max={100000} value={props.seats} />
      </label>
    </>
  );
}

import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { asApp } from "@/db/client.ts";
import { currentSubscription, listPlans, type Plan } from "@/db/plans.ts";
import { startTrial, userTrials } from "@/db/trials.ts";
import { validate } from "@/lib/http/body.ts";
import { csrfToken } from "@/lib/login/browser.ts";
import { CLIENT_ID, signedIn, signInFirst } from "@/lib/payments/billing_session.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { BILLING_TEXT, intervalText } from "@/lib/payments/page_text.ts";
import { openCheckout } from "@/lib/payments/checkout.ts";
import { requestPlanChange } from "@/lib/payments/plan_change.ts";
import { CsrfField, readPageBody, staleFormRefused } from "@/lib/payments/page_forms.ts";

const Query = z.object({ client_id: z.string().regex(CLIENT_ID, "A client_id (cid_…).") });
const Choice = z.object({
  ...CsrfField,
  client_id: Query.shape.client_id,
  plan: z.string().max(64),
  /** "trial" starts the plan's free trial instead of opening a checkout. */
  action: z.enum(["buy", "trial"]).optional(),
  /** The page's language rides along, so the answer to a form is in the language the form was in. */
  lang: z.enum(["en", "id"]).optional(),
});

type BillingData = {
  lang: Lang;
  clientId: string;
  appName: string;
  plans: Plan[];
  current: string;
  /** While the current plan is a trial: when it ends. */
  trialEndsAt: string | null;
  /** Plans whose trial this user may still start (never trialed, and not on a paid plan now). */
  trialable: string[];
  /** The plan a change was just scheduled to (at the period end), to say so. */
  scheduled: string | null;
  csrf: string;
  /** A form came back stale: the page again, saying so (403). */
  stale: boolean;
};

/**
 * The plan picker of the signed-in person (or the way to sign in first). A stale form (lib/payments/page_forms.ts)
 * gets it again, saying so, 403, in the form's language.
 */
async function plansPage(c: Ctx, clientId: string, stale?: { lang?: Lang }) {
  const who = await signedIn(c, clientId);
  if (!who.userId && stale) throw staleFormRefused();
  if (!who.userId) return signInFirst(c, clientId);
  const { plans, state, trials } = await asApp(c.var.deps.sql, who.projectId, async (tx) => ({
    plans: await listPlans(tx, who.projectId),
    state: await currentSubscription(tx, who.projectId, who.userId!),
    trials: await userTrials(tx, who.projectId, who.userId!),
  }));
  const current = state.plan;
  const onPaidPlan = plans.some((plan) => plan.key === current && plan.price_idr > 0);
  const trialed = new Set(trials.map((trial) => trial.plan));
  c.header("cache-control", "no-store");
  const lang = stale?.lang ?? pickLang(c);
  return page({
    lang,
    clientId,
    appName: who.appName,
    // Team plans are bought for an organization (its checkout), not here for oneself.
    plans: plans.filter((plan) => plan.price_idr > 0 && plan.seat_pricing === null),
    current,
    trialEndsAt: state.subscription?.trial_ends_at ?? null,
    scheduled: stale ? null : plans.find((plan) => plan.key === c.req.query("scheduled"))?.name ?? null,
    trialable: onPaidPlan ? [] : plans
      .filter((plan) => plan.trial_days > 0 && plan.interval !== "one_time" && !trialed.has(plan.key))
      .map((plan) => plan.key),
    csrf: csrfToken(c),
    stale: stale !== undefined,
  }, { title: `${BILLING_TEXT[lang].plansTitle} · ${who.appName}`, lang, ...(stale ? { status: 403 } : {}) });
}

/** The hosted plan picker: a signed-in user of the app chooses a paid plan and goes to its checkout. */
export const handler: Handlers<BillingData> = {
  GET(c) {
    const { client_id: clientId } = validate(Query, { client_id: c.req.query("client_id") });
    return plansPage(c, clientId);
  },

  async POST(c) {
    const read = await readPageBody(c, Choice, (body) => plansPage(c, body.client_id, body));
    if ("stale" in read) return read.stale;
    const choice = read.body;
    const who = await signedIn(c, choice.client_id);
    if (!who.userId) return signInFirst(c, choice.client_id);
    const lang: Record<string, string> = choice.lang ? { lang: choice.lang } : {};
    const back = (extra: Record<string, string> = {}) =>
      c.redirect(`/billing?${new URLSearchParams({ client_id: choice.client_id, ...lang, ...extra })}`, 303);
    const toCheckout = (id: string) =>
      c.redirect(`/billing/checkout/${id}?${new URLSearchParams(lang)}`, 303);
    if (choice.action === "trial") {
      await asApp(
        c.var.deps.sql,
        who.projectId,
        (tx) => startTrial(tx, who.projectId, who.userId!, choice.plan),
      );
      return back();
    }
    // A paying user changes plan (docs/billing.md): an upgrade pays the prorated difference at its checkout; a
    // downgrade waits for the period end.
    const state = await asApp(
      c.var.deps.sql,
      who.projectId,
      (tx) => currentSubscription(tx, who.projectId, who.userId!),
    );
    const paying = state.subscription?.status === "active" && state.subscription.paid_through !== null &&
      new Date(state.subscription.paid_through) > new Date() && state.subscription.plan !== choice.plan;
    if (paying) {
      const { checkout } = await requestPlanChange(
        c.var.deps,
        who.projectId,
        who.userId,
        choice.plan,
        who.appUrl,
      );
      if (!checkout) return back({ scheduled: choice.plan });
      return toCheckout(checkout.checkout_id);
    }
    const checkout = await openCheckout(c.var.deps, who.projectId, {
      sub: who.userId,
      plan: choice.plan,
      ...(who.appUrl ? { success_url: who.appUrl } : {}),
    });
    return toCheckout(checkout.checkout_id);
  },
};

const rupiah = (amount: number) => `IDR ${amount.toLocaleString("id-ID")}`;

/** Plan cards with IDR prices; each is a form that opens a checkout for that plan. */
export default function BillingPage({ data }: PageProps<BillingData>) {
  const text = BILLING_TEXT[data.lang];
  return (
    <section class="card billing">
      <p class="eyebrow">{data.appName}</p>
      <h1>{text.choosePlan}</h1>
      {data.stale && <p class="error" role="alert">{text.staleForm}</p>}
      {data.plans.length === 0 && <p>{text.noPlans}</p>}
      {data.scheduled && <p class="notice" role="status">{text.changeScheduled(data.scheduled)}</p>}
      <ul class="plans">
        {data.plans.map((plan) => (
          <li key={plan.key} class="plan">
            <h2>{plan.name}</h2>
            {plan.description && <p>{plan.description}</p>}
            <p class="amount">
              {rupiah(plan.price_idr)} {intervalText(text, plan.interval)}
            </p>
            {plan.key === data.current && data.trialEndsAt && (
              <p class="trial">
                {text.trialUntil(
                  new Date(data.trialEndsAt).toLocaleDateString(data.lang, {
                    dateStyle: "long",
                    timeZone: "UTC",
                  }),
                )}
              </p>
            )}
            {plan.key !== data.current && data.trialable.includes(plan.key) && (
              <form method="post" action="/billing">
                <input type="hidden" name="csrf" value={data.csrf} />
                <input type="hidden" name="client_id" value={data.clientId} />
                <input type="hidden" name="lang" value={data.lang} />
                <input type="hidden" name="plan" value={plan.key} />
                <input type="hidden" name="action" value="trial" />
                <button type="submit" class="button secondary">{text.startTrial(plan.trial_days)}</button>
              </form>
            )}
            {plan.key === data.current
              ? <p class="current">{text.currentPlan}</p>
              : (
                <form method="post" action="/billing">
                  <input type="hidden" name="csrf" value={data.csrf} />
                  <input type="hidden" name="client_id" value={data.clientId} />
                  <input type="hidden" name="lang" value={data.lang} />
                  <input type="hidden" name="plan" value={plan.key} />
                  <button type="submit" class="button">{text.choose} {plan.name}</button>
                </form>
              )}
          </li>
        ))}
      </ul>
    </section>
  );
}

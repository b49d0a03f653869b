/**
 * The customer billing portal: a signed-in user of an app sees their plan, the next renewal or the trial's end,
 * unpaid pay links, their payments with receipts and refunds, and changes or cancels their plan. Plain forms
 * (no JavaScript needed), CSRF and same-origin checked; every action acts on the session's own user only.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps, renderPage } from "@/lib/router/page.tsx";
import { asApp } from "@/db/client.ts";
import { type BillingAccount, billingAccount } from "@/db/billing_portal.ts";
import { cancelSubscription, resumeSubscription } from "@/db/billing.ts";
import { cancelPlanChange } from "@/db/plan_changes.ts";
import { validate } from "@/lib/http/body.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { csrfToken } from "@/lib/login/browser.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { CLIENT_ID, sameOrigin, signedIn, signInFirst } from "@/lib/payments/billing_session.ts";
import { CsrfField, readPageBody, staleFormRefused } from "@/lib/payments/page_forms.ts";
import { requestPlanChange } from "@/lib/payments/plan_change.ts";
import { BILLING_TEXT, intervalText } from "@/lib/payments/page_text.ts";
import { PORTAL_TEXT, portalDate, type PortalNotice } from "@/lib/payments/portal_text.ts";
import { rupiah } from "@/lib/payments/receipt_text.ts";
import { type CardSetup, LinkedMethodsSection } from "@/components/LinkedMethodsSection.tsx";
import { RenewalChargesSection } from "@/components/RenewalChargesSection.tsx";
import { contentSecurityPolicyWith } from "@/lib/http/middleware.ts";
import { cardTokenizer } from "@/lib/payments/card_link.ts";
import { getProject } from "@/db/projects.ts";
import type { PaymentDeps } from "@/lib/payments/accounts.ts";

/** The card form's Xendit.js setup and the origins the page must allow, or null when cards cannot be linked. */
async function portalCardSetup(deps: PaymentDeps, projectId: string, clientId: string, lang: Lang) {
  const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  const tokenizer = await cardTokenizer(deps, projectId, project.mode);
  if (!tokenizer) return null;
  const portal = (notice: PortalNotice) =>
    `${deps.config.baseUrl}/billing/account?${new URLSearchParams({ client_id: clientId, notice, lang })}`;
  return {
    origins: tokenizer.origins,
    setup: {
      scriptUrl: tokenizer.scriptUrl,
      publicKey: tokenizer.publicKey,
      successUrl: portal("linked"),
      failureUrl: portal("link_failed"),
    },
  };
}

const NOTICES = [
  "canceled",
  "resumed",
  "scheduled",
  "withdrawn",
  "refused",
  "linked",
  "link_failed",
  "link_refused",
  "unlinked",
  "otp_sent",
  "otp_wrong",
  "stale_form",
] as const;
const Query = z.object({
  client_id: z.string().regex(CLIENT_ID, "A client_id (cid_…)."),
  notice: z.enum(NOTICES).optional(),
});
/** The page's language rides along, so the answer to a form is in the language the form was in. */
const Common = { ...CsrfField, client_id: Query.shape.client_id, lang: z.enum(["en", "id"]).optional() };
const Action = z.discriminatedUnion("action", [
  z.object({ ...Common, action: z.literal("change"), plan: z.string().max(64) }),
  z.object({ ...Common, action: z.enum(["withdraw", "cancel", "resume"]) }),
]);

type AccountData = {
  lang: Lang;
  clientId: string;
  appName: string;
  appUrl: string | null;
  account: BillingAccount;
  notice: PortalNotice | null;
  csrf: string;
  card: CardSetup | null;
};

/**
 * The portal page of the signed-in person (or the way to sign in first). A stale form (lib/payments/page_forms.ts)
 * gets it again with the `stale_form` notice, 403, in the language the form was in.
 */
export async function accountPage(
  c: Ctx,
  clientId: string,
  notice: PortalNotice | null,
  stale?: { lang?: Lang },
) {
  const who = await signedIn(c, clientId);
  if (!who.userId && stale) throw staleFormRefused();
  if (!who.userId) return signInFirst(c, clientId, "account");
  const account = await asApp(
    c.var.deps.sql,
    who.projectId,
    (tx) => billingAccount(tx, who.projectId, who.userId!),
  );
  const lang = stale?.lang ?? pickLang(c);
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  const card = account.linkable_channels.includes("CARD")
    ? await portalCardSetup(c.var.deps, who.projectId, clientId, lang)
    : null;
  if (card) c.header("content-security-policy", contentSecurityPolicyWith(card.origins));
  return page({
    lang,
    clientId,
    appName: who.appName,
    appUrl: who.appUrl ?? null,
    account,
    notice: stale ? "stale_form" : notice,
    csrf: csrfToken(c),
    card: card && card.setup,
  }, { title: `${PORTAL_TEXT[lang].title} · ${who.appName}`, lang, ...(stale ? { status: 403 } : {}) });
}

/** The portal page again, 403, for a stale form posted from it to another endpoint (/billing/account/methods). */
export async function staleAccountPage(c: Ctx, clientId: string, lang: Lang | undefined): Promise<Response> {
  const shown = await accountPage(c, clientId, null, { lang });
  return shown instanceof Response ? shown : renderPage(c, AccountPage, shown);
}

export const handler: Handlers<AccountData> = {
  GET(c) {
    const query = validate(Query, { client_id: c.req.query("client_id"), notice: c.req.query("notice") });
    return accountPage(c, query.client_id, query.notice ?? null);
  },

  async POST(c) {
    sameOrigin(c);
    const read = await readPageBody(c, Action, (body) => accountPage(c, body.client_id, null, body));
    if ("stale" in read) return read.stale;
    const form = read.body;
    const who = await signedIn(c, form.client_id);
    if (!who.userId) return signInFirst(c, form.client_id, "account");
    const userId = who.userId;
    const back = (notice: PortalNotice) =>
      c.redirect(
        `/billing/account?${new URLSearchParams({
          client_id: form.client_id,
          notice,
          ...(form.lang ? { lang: form.lang } : {}),
        })}`,
        303,
      );
    try {
      switch (form.action) {
        case "change": {
          // An upgrade is paid at its checkout; a downgrade waits for the period end (docs/billing.md).
          const { checkout } = await requestPlanChange(
            c.var.deps,
            who.projectId,
            userId,
            form.plan,
            who.appUrl,
          );
          return checkout ? c.redirect(`/billing/checkout/${checkout.checkout_id}`, 303) : back("scheduled");
        }
        case "withdraw":
          await asApp(c.var.deps.sql, who.projectId, (tx) => cancelPlanChange(tx, who.projectId, userId));
          return back("withdrawn");
        case "cancel":
          await asApp(c.var.deps.sql, who.projectId, (tx) => cancelSubscription(tx, who.projectId, userId));
          return back("canceled");
        case "resume":
          await asApp(c.var.deps.sql, who.projectId, (tx) => resumeSubscription(tx, who.projectId, userId));
          return back("resumed");
      }
    } catch (error) {
      // Nothing to cancel, a change already being paid, …: said on the page, in the reader's language.
      if (toAppError(error).code === "conflict") return back("refused");
      throw error;
    }
  },
};

/** A hidden-field form with one button: the portal's actions. */
function ActionForm(
  props: { data: AccountData; action: string; plan?: string; label: string; secondary?: boolean },
) {
  return (
    <form method="post" action="/billing/account">
      <input type="hidden" name="csrf" value={props.data.csrf} />
      <input type="hidden" name="client_id" value={props.data.clientId} />
      <input type="hidden" name="lang" value={props.data.lang} />
      <input type="hidden" name="action" value={props.action} />
      {props.plan && <input type="hidden" name="plan" value={props.plan} />}
      <button type="submit" class={props.secondary ? "button secondary" : "button"}>{props.label}</button>
    </form>
  );
}

function PlanSection({ data }: PageProps<AccountData>) {
  const { account, lang } = data;
  const text = PORTAL_TEXT[lang];
  const s = account.subscription;
  const date = (iso: string) => portalDate(iso, lang);
  const paying = s !== null && s.paid_through !== null && new Date(s.paid_through) > new Date();
  return (
    <section aria-labelledby="portal-plan">
      <h2 id="portal-plan">
        {text.yourPlan}: <span data-plan={account.plan.key}>{account.plan.name}</span>
      </h2>
      {!s && <p>{text.free}</p>}
      {s?.status === "trialing" && s.trial_ends_at && <p>{text.trialUntil(date(s.trial_ends_at))}</p>}
      {s?.status === "active" && account.next_renewal && (
        <p data-next-renewal>
          {text.renewsOn(
            date(account.next_renewal.at),
            rupiah(account.next_renewal.amount),
            account.next_renewal.plan_name,
          )}
        </p>
      )}
      {s?.status === "active" && !account.next_renewal && s.paid_through && (
        <p>{text.paidThrough(date(s.paid_through))}</p>
      )}
      {s?.status === "past_due" && <p class="notice">{text.pastDue}</p>}
      {s?.status === "canceled" && s.current_period_end && (
        <p>{text.canceledUntil(date(s.current_period_end))}</p>
      )}
      {account.open_change && (
        <div class="notice" data-open-change>
          <p>
            {text.openChange(
              account.plans.find((p) => p.key === account.open_change!.to_plan)?.name ??
                account.open_change.to_plan,
              account.open_change.effective_at ? date(account.open_change.effective_at) : null,
            )}
          </p>
          <ActionForm data={data} action="withdraw" label={text.withdrawChange} secondary />
        </div>
      )}
      {(s?.status === "active" || s?.status === "past_due") && paying && (
        <>
          <ActionForm data={data} action="cancel" label={text.cancel} secondary />
          <p class="hint">{text.cancelHint}</p>
        </>
      )}
      {s?.status === "canceled" && paying && <ActionForm data={data} action="resume" label={text.resume} />}
    </section>
  );
}

function ChangeSection({ data }: PageProps<AccountData>) {
  const { account, lang } = data;
  const text = PORTAL_TEXT[lang];
  const s = account.subscription;
  const paying = s?.status === "active" && s.paid_through !== null && new Date(s.paid_through) > new Date();
  const others = account.plans.filter((plan) =>
    plan.key !== account.plan.key && plan.interval !== "one_time"
  );
  return (
    <section aria-labelledby="portal-change">
      <h2 id="portal-change">{text.changeTitle}</h2>
      {paying
        ? (
          <>
            <p class="hint">{text.upgradeNote} {text.downgradeNote}</p>
            <ul class="plans">
              {others.map((plan) => (
                <li key={plan.key} class="plan">
                  <h3>{plan.name}</h3>
                  <p class="amount">
                    {rupiah(plan.price_idr)} {intervalText(BILLING_TEXT[lang], plan.interval)}
                  </p>
                  <ActionForm data={data} action="change" plan={plan.key} label={text.changeTo(plan.name)} />
                </li>
              ))}
            </ul>
          </>
        )
        : <a class="button" href={`/billing?client_id=${data.clientId}&lang=${lang}`}>{text.choosePlans}</a>}
    </section>
  );
}

function HistorySection({ data }: PageProps<AccountData>) {
  const { account, lang } = data;
  const text = PORTAL_TEXT[lang];
  return (
    <section aria-labelledby="portal-history">
      <h2 id="portal-history">{text.history}</h2>
      {account.payments.length === 0 ? <p>{text.noPayments}</p> : (
        <table class="portal-history">
          <thead>
            <tr>
              <th scope="col">{text.date}</th>
              <th scope="col">{text.receipt}</th>
              <th scope="col">{text.plan}</th>
              <th scope="col">{text.amount}</th>
              <th scope="col">{text.refund}</th>
            </tr>
          </thead>
          <tbody>
            {account.payments.map((payment) => (
              <tr key={payment.receipt_id} data-receipt={payment.number}>
                <td>{portalDate(payment.issued_at, lang)}</td>
                <td>
                  <a href={`/billing/receipts/${payment.receipt_id}?lang=${lang}`} rel="noreferrer">
                    {payment.number}
                  </a>
                </td>
                <td>{payment.plan_name}</td>
                <td>{rupiah(payment.amount)}</td>
                <td>
                  {payment.refunds.map((refund) => (
                    <span key={refund.refund_id} class="refund" data-refund-status={refund.status}>
                      {rupiah(refund.amount)} {text.refundStatus[refund.status]}
                      <br />
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The portal page: the plan, pay links, plan changes and the payment history. */
export default function AccountPage(props: PageProps<AccountData>) {
  const { data } = props;
  const text = PORTAL_TEXT[data.lang];
  const { account } = data;
  return (
    <section class="card billing portal">
      <p class="eyebrow">{data.appName}</p>
      <h1>{text.title}</h1>
      {account.email && <p class="hint">{text.signedInAs(account.email)}</p>}
      {data.notice && (
        <p class="notice" role="status" data-notice={data.notice}>{text.notices[data.notice]}</p>
      )}
      <PlanSection {...props} />
      {account.open_checkouts.length > 0 && (
        <section aria-labelledby="portal-to-pay">
          <h2 id="portal-to-pay">{text.toPay}</h2>
          <ul>
            {account.open_checkouts.map((checkout) => (
              <li key={checkout.checkout_id}>
                {account.plans.find((p) => p.key === checkout.plan)?.name ?? checkout.plan}:{" "}
                {rupiah(checkout.amount)} ({text.until(portalDate(checkout.expires_at, data.lang))}){" "}
                <a class="button" href={`/billing/checkout/${checkout.checkout_id}?lang=${data.lang}`}>
                  {text.pay}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      <ChangeSection {...props} />
      <LinkedMethodsSection
        lang={data.lang}
        clientId={data.clientId}
        csrf={data.csrf}
        methods={account.linked_methods}
        channels={account.linkable_channels}
        card={data.card}
      />
      <RenewalChargesSection lang={data.lang} charges={account.renewal_charges} />
      <HistorySection {...props} />
      {data.appUrl && (
        <p>
          <a href={data.appUrl}>{text.backToApp}</a>
        </p>
      )}
    </section>
  );
}

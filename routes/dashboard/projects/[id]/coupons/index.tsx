import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { createCoupon } from "@/db/coupons.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import {
  CouponFormSchema,
  type CouponsData,
  couponsView,
  newCouponOf,
} from "@/lib/dashboard/coupons_page.ts";
import { formatRupiah } from "@/lib/dashboard/rupiah.ts";
import { CsrfField, Frame, Notice } from "@/components/dashboard/Frame.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { dashboardLang, fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { COUPONS_TEXT } from "@/lib/dashboard/text/coupons.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

export const handler: Handlers<CouponsData> = {
  GET: async (c) => {
    const load = couponsView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `${COUPONS_TEXT[dashboardLang(c)].title} · ${data.project.name}` });
  },
  /** Admins create a coupon through api.create_coupon (the same function as the Platform API). */
  POST: (c) =>
    formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/coupons`,
      body: CouponFormSchema,
      load: couponsView(c, true),
      run: async (tx, projectId, _role, form) => {
        await createCoupon(tx, projectId, newCouponOf(form));
        return "created";
      },
      title: (data) => `${COUPONS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
    }),
};

const DURATIONS = ["once", "repeating", "forever"] as const;

function durationText(c: CouponsData["coupons"][number], lang: Lang): string {
  const text = COUPONS_TEXT[lang];
  if (c.duration === "repeating") return fill(text.periods, { count: c.duration_periods ?? 0 });
  return text[c.duration];
}

/** GET /dashboard/projects/:id/coupons: coupons with their redemptions; admins create and disable them. */
export default function CouponsPage({ data }: PageProps<CouponsData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  const draft = data.draft;
  const lang = data.frame.lang;
  const text = COUPONS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "coupons" }}
    >
      <h1>{text.title}</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">
        <Phrase text={text.explained} parts={{ coupon: <code>coupon</code> }} />
      </p>
      {data.coupons.length > 0 && (
        <table class="list coupons">
          <thead>
            <tr>
              <th scope="col">{text.columnCode}</th>
              <th scope="col">{text.columnDiscount}</th>
              <th scope="col">{text.columnDuration}</th>
              <th scope="col">{text.columnRedemptions}</th>
              <th scope="col">{text.columnPlans}</th>
              <th scope="col">{text.columnExpires}</th>
              <th scope="col">{text.columnState}</th>
            </tr>
          </thead>
          <tbody>
            {data.coupons.map((coupon) => (
              <tr
                key={coupon.code}
                data-coupon={coupon.code}
                class={coupon.disabled ? "archived" : undefined}
              >
                <td>
                  <code>{coupon.code}</code>
                  {coupon.redemption_list.length > 0 && (
                    <details>
                      <summary>{text.redemptions}</summary>
                      <ul class="redemptions">
                        {coupon.redemption_list.map((r) => (
                          <li key={r.checkout_id}>
                            {r.email} · {r.plan} · −{formatRupiah(r.discount_idr)} · {r.checkout_status}
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                </td>
                <td>
                  {coupon.percent_off ? `${coupon.percent_off} %` : formatRupiah(coupon.amount_off_idr ?? 0)}
                </td>
                <td>{durationText(coupon, lang)}</td>
                <td class="number" data-redemptions={coupon.redemptions}>
                  {coupon.redemptions}
                  {coupon.max_redemptions ? ` / ${coupon.max_redemptions}` : ""}{" "}
                  <span class="muted">{fill(text.paid, { count: coupon.paid_redemptions })}</span>
                </td>
                <td>{coupon.plans?.join(", ") ?? <span class="muted">{text.anyPlan}</span>}</td>
                <td>{coupon.expires_at ? new Date(coupon.expires_at).toISOString().slice(0, 10) : "—"}</td>
                <td>
                  {coupon.disabled
                    ? <span class="badge archived">{text.disabled}</span>
                    : <span class="muted">{text.active}</span>}
                  {admin && (
                    <form method="post" action={`${base}/coupons/disabled`} class="inline">
                      <CsrfField token={data.frame.csrf} />
                      <input type="hidden" name="code" value={coupon.code} />
                      <input type="hidden" name="disabled" value={coupon.disabled ? "false" : "true"} />
                      <button type="submit" class="button secondary small">
                        {coupon.disabled ? text.enable : text.disable}
                        <span class="visually-hidden">{coupon.code}</span>
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.coupons.length === 0 && (
        <EmptyState
          title={text.emptyTitle}
          action={admin ? { href: "#new-coupon", label: text.emptyAction } : undefined}
          more={{ href: "/docs/billing#coupons", label: text.emptyMore }}
        >
          <p>{text.emptyWhat}</p>
        </EmptyState>
      )}
      {admin && (
        <form method="post" action={`${base}/coupons`} class="card form" id="new-coupon">
          <CsrfField token={data.frame.csrf} />
          <h2>{text.newCoupon}</h2>
          <label>
            {text.code}{" "}
            <input name="code" required maxLength={40} value={draft?.code} placeholder="LAUNCH20" />
          </label>
          <label>
            {text.discount}{" "}
            <select name="kind">
              <option value="percent" selected={draft?.kind !== "amount"}>{text.percentOff}</option>
              <option value="amount" selected={draft?.kind === "amount"}>{text.rupiahOff}</option>
            </select>
          </label>
          <label>
            {text.amount}{" "}
            <input name="value" required inputMode="numeric" value={draft?.value} placeholder="20" />
          </label>
          <label>
            {text.duration}{" "}
            <select name="duration">
              {DURATIONS.map((d) => (
                <option key={d} value={d} selected={draft?.duration === d}>{text[d]}</option>
              ))}
            </select>
          </label>
          <label>
            {text.durationPeriods}{" "}
            <input name="duration_periods" inputMode="numeric" value={draft?.duration_periods} />
          </label>
          <label>
            {text.maxRedemptions}{" "}
            <input name="max_redemptions" inputMode="numeric" value={draft?.max_redemptions} />
          </label>
          <label>
            {text.onlyForPlans} <input name="plans" value={draft?.plans} placeholder="pro team" />
          </label>
          <label>
            {text.expiresOn} <input name="expires_at" type="date" value={draft?.expires_at} />
          </label>
          <button type="submit" class="button">{text.createCoupon}</button>
        </form>
      )}
    </Frame>
  );
}

import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
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

export const handler: Handlers<CouponsData> = {
  GET: async (c) => {
    const load = couponsView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `Coupons · ${data.project.name}` });
  },
  /** Admins create a coupon through api.create_coupon (the same function as the Platform API). */
  POST: async (c) => {
    const form = await readBody(c, CouponFormSchema, ["form"]);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/coupons`,
      load: couponsView(c, form),
      run: async (tx, projectId) => {
        await createCoupon(tx, projectId, newCouponOf(form));
        return "created";
      },
      title: (data) => `Coupons · ${data.project.name}`,
    });
  },
};

const durationText = (c: CouponsData["coupons"][number]) =>
  c.duration === "repeating" ? `${c.duration_periods} periods` : c.duration;

/** GET /dashboard/projects/:id/coupons: coupons with their redemptions; admins create and disable them. */
export default function CouponsPage({ data }: PageProps<CouponsData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  const draft = data.draft;
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "coupons" }}
    >
      <h1>Coupons</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">
        Customers enter a code on the hosted checkout, or your backend passes <code>coupon</code>{" "}
        when it opens a checkout. A redemption counts while its checkout is open, pending or paid.
      </p>
      {data.coupons.length > 0 && (
        <table class="list coupons">
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Discount</th>
              <th scope="col">Duration</th>
              <th scope="col">Redemptions</th>
              <th scope="col">Plans</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
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
                      <summary>Redemptions</summary>
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
                <td>{durationText(coupon)}</td>
                <td class="number" data-redemptions={coupon.redemptions}>
                  {coupon.redemptions}
                  {coupon.max_redemptions ? ` / ${coupon.max_redemptions}` : ""}{" "}
                  <span class="muted">({coupon.paid_redemptions} paid)</span>
                </td>
                <td>{coupon.plans?.join(", ") ?? <span class="muted">any</span>}</td>
                <td>{coupon.expires_at ? new Date(coupon.expires_at).toISOString().slice(0, 10) : "—"}</td>
                <td>
                  {coupon.disabled
                    ? <span class="badge archived">disabled</span>
                    : <span class="muted">active</span>}
                  {admin && (
                    <form method="post" action={`${base}/coupons/disabled`} class="inline">
                      <CsrfField token={data.frame.csrf} />
                      <input type="hidden" name="code" value={coupon.code} />
                      <input type="hidden" name="disabled" value={coupon.disabled ? "false" : "true"} />
                      <button type="submit" class="button secondary small">
                        {coupon.disabled ? "Enable" : "Disable"}
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
          title="No coupons yet"
          action={admin ? { href: "#new-coupon", label: "Create the first coupon" } : undefined}
          more={{ href: "/docs/billing#coupons", label: "How coupons work" }}
        >
          <p>
            A coupon takes a percentage or an amount in rupiah off a plan's price: on the first payment, for
            some periods or for good. Create one, then give its code to your users: they enter it on the
            hosted checkout.
          </p>
        </EmptyState>
      )}
      {admin && (
        <form method="post" action={`${base}/coupons`} class="card form" id="new-coupon">
          <CsrfField token={data.frame.csrf} />
          <h2>New coupon</h2>
          <label>
            Code <input name="code" required maxLength={40} value={draft?.code} placeholder="LAUNCH20" />
          </label>
          <label>
            Discount{" "}
            <select name="kind">
              <option value="percent" selected={draft?.kind !== "amount"}>percent off</option>
              <option value="amount" selected={draft?.kind === "amount"}>rupiah off</option>
            </select>
          </label>
          <label>
            Amount <input name="value" required inputMode="numeric" value={draft?.value} placeholder="20" />
          </label>
          <label>
            Duration{" "}
            <select name="duration">
              {["once", "repeating", "forever"].map((d) => (
                <option key={d} value={d} selected={draft?.duration === d}>{d}</option>
              ))}
            </select>
          </label>
          <label>
            Periods (repeating){" "}
            <input name="duration_periods" inputMode="numeric" value={draft?.duration_periods} />
          </label>
          <label>
            Maximum redemptions{" "}
            <input name="max_redemptions" inputMode="numeric" value={draft?.max_redemptions} />
          </label>
          <label>
            Only for plans (keys) <input name="plans" value={draft?.plans} placeholder="pro team" />
          </label>
          <label>
            Expires on <input name="expires_at" type="date" value={draft?.expires_at} />
          </label>
          <button type="submit" class="button">Create coupon</button>
        </form>
      )}
    </Frame>
  );
}

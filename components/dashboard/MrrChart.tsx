/**
 * The Payments page's MRR and churn chart: monthly recurring revenue per month as columns (IDR), with the
 * customers who came and left, drawn on the server as SVG like the other charts (named by <title> and <desc>,
 * each column with its own <title>, the numbers also as a table under a <details>).
 */
import type { MrrMonth } from "@/db/billing_metrics.ts";
import { formatRupiah } from "@/lib/dashboard/rupiah.ts";

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 16, right: 12, bottom: 36, left: 12 };

/** Churn as a percentage of the customers paying at the month's start, or "–" when there were none. */
function churnRate(m: MrrMonth): string {
  return m.paying_at_start === 0 ? "–" : `${((m.churned / m.paying_at_start) * 100).toFixed(1)} %`;
}

/** MRR by month (oldest first), with new and churned customers. */
export function MrrChart({ months, mode }: { months: MrrMonth[]; mode: string }) {
  const peak = Math.max(1, ...months.map((m) => m.mrr_idr));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, months.length);
  const last = months.at(-1);
  return (
    <figure class="chart" data-chart="mrr">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="mrr-title mrr-desc"
        width="100%"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="mrr-title">Monthly recurring revenue, last {months.length} months ({mode})</title>
        <desc id="mrr-desc">
          {last
            ? `${
              formatRupiah(last.mrr_idr)
            } a month from ${last.paying} paying customers in ${last.month}; ` +
              `${last.new} new and ${last.churned} churned that month.`
            : "No months."}
        </desc>
        {months.map((m, i) => {
          const h = (m.mrr_idr / peak) * plotH;
          const x = PAD.left + i * slot;
          return (
            <g key={m.month} data-month={m.month}>
              <rect
                class="bar"
                x={x + slot * 0.15}
                y={PAD.top + plotH - h}
                width={slot * 0.7}
                height={Math.max(h, m.mrr_idr > 0 ? 1 : 0)}
              >
                <title>
                  {m.month}: {formatRupiah(m.mrr_idr)} MRR, {m.paying} paying, {m.new} new, {m.churned}{" "}
                  churned
                </title>
              </rect>
              <text class="label" x={x + slot / 2} y={HEIGHT - 14} text-anchor="middle">
                {m.month.slice(2)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <strong>{formatRupiah(last?.mrr_idr ?? 0)}</strong> MRR now · churn this month{" "}
        {last ? churnRate(last) : "–"}
      </figcaption>
      <details>
        <summary>MRR and churn as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" class="number">MRR</th>
              <th scope="col" class="number">Paying</th>
              <th scope="col" class="number">New</th>
              <th scope="col" class="number">Churned</th>
              <th scope="col" class="number">Churn</th>
            </tr>
          </thead>
          <tbody>
            {months.map((m) => (
              <tr key={m.month}>
                <td>{m.month}</td>
                <td class="number">{formatRupiah(m.mrr_idr)}</td>
                <td class="number">{m.paying}</td>
                <td class="number">{m.new}</td>
                <td class="number">{m.churned}</td>
                <td class="number">{churnRate(m)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/**
 * The Payments page's MRR and churn chart: monthly recurring revenue per month as columns (IDR), with the
 * customers who came and left, drawn on the server as SVG like the other charts (named by <title> and <desc>,
 * each column with its own <title>, the numbers also as a table under a <details>).
 */
import type { MrrMonth } from "@/db/billing_metrics.ts";
import { formatRupiah } from "@/lib/dashboard/rupiah.ts";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { CHARTS_TEXT } from "@/lib/dashboard/text/charts.ts";
import { Phrase } from "./Phrase.tsx";

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 16, right: 12, bottom: 36, left: 12 };

/**
 * Churn as a percentage of the customers paying at the month's start, or "–" when there were none; Indonesian
 * writes the decimal with a comma.
 */
function churnRate(m: MrrMonth, lang: Lang): string {
  if (m.paying_at_start === 0) return "–";
  const rate = ((m.churned / m.paying_at_start) * 100).toFixed(1);
  return `${lang === "id" ? rate.replace(".", ",") : rate} %`;
}

/** A month's numbers for its sentences: MRR in rupiah, paying, new and churned customers. */
function counts(m: MrrMonth) {
  return { mrr: formatRupiah(m.mrr_idr), paying: m.paying, new: m.new, churned: m.churned };
}

/** MRR by month (oldest first), with new and churned customers. */
export function MrrChart({ months, mode, lang }: { months: MrrMonth[]; mode: string; lang: Lang }) {
  const text = CHARTS_TEXT[lang];
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
        <title id="mrr-title">{fill(text.mrrTitle, { months: months.length, mode })}</title>
        <desc id="mrr-desc">
          {last ? fill(text.mrrDesc, { ...counts(last), month: last.month }) : text.noMonths}
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
                <title>{fill(text.mrrBar, { ...counts(m), month: m.month })}</title>
              </rect>
              <text class="label" x={x + slot / 2} y={HEIGHT - 14} text-anchor="middle">
                {m.month.slice(2)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <Phrase
          text={text.mrrCaption}
          parts={{
            mrr: <strong>{formatRupiah(last?.mrr_idr ?? 0)}</strong>,
            churn: last ? churnRate(last, lang) : "–",
          }}
        />
      </figcaption>
      <details>
        <summary>{text.mrrTable}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{text.columnMonth}</th>
              <th scope="col" class="number">{text.columnMrr}</th>
              <th scope="col" class="number">{text.columnPaying}</th>
              <th scope="col" class="number">{text.columnNew}</th>
              <th scope="col" class="number">{text.columnChurned}</th>
              <th scope="col" class="number">{text.columnChurn}</th>
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
                <td class="number">{churnRate(m, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/**
 * The Payments page's charts, drawn on the server as SVG: readable without JavaScript, named by <title> and
 * <desc>, every bar with its own <title>, and the numbers also as a table under a <details>.
 */
import type { MethodRevenue, SignupDay } from "@/db/dashboard_payments.ts";
import { formatRupiah, methodLabel } from "@/lib/dashboard/rupiah.ts";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { CHARTS_TEXT } from "@/lib/dashboard/text/charts.ts";
import { Phrase } from "./Phrase.tsx";

const WIDTH = 640;

/** "1 payment", "2 payments": the one or the many wording, with its {count} (and any other values) filled. */
function counted(n: number, one: string, many: string, values: Record<string, string> = {}): string {
  return fill(n === 1 ? one : many, { count: n, ...values });
}
const HEIGHT = 220;
const PAD = { top: 16, right: 12, bottom: 36, left: 40 };

/** Sign-ups per day as a column chart, with the first, middle and last day and the peak labelled. */
export function SignupsChart({ days, mode, lang }: { days: SignupDay[]; mode: string; lang: Lang }) {
  const text = CHARTS_TEXT[lang];
  const signUps = (n: number) => counted(n, text.signUp, text.signUps);
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const busiest = Math.max(0, ...days.map((d) => d.count));
  const peak = Math.max(1, busiest);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const first = days[0]?.day ?? "";
  const last = days.at(-1)?.day ?? "";
  const labelled = new Set([0, Math.floor((days.length - 1) / 2), days.length - 1]);
  return (
    <figure class="chart" data-chart="signups">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="signups-title signups-desc"
        width="100%"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="signups-title">{fill(text.signupsTitle, { days: days.length, mode })}</title>
        <desc id="signups-desc">
          {fill(text.signupsDesc, {
            users: counted(total, text.newUser, text.newUsers, { mode }),
            first,
            last,
            busiest,
          })}
        </desc>
        <line
          class="axis"
          x1={PAD.left}
          y1={HEIGHT - PAD.bottom}
          x2={WIDTH - PAD.right}
          y2={HEIGHT - PAD.bottom}
        />
        <text class="tick" x={PAD.left - 6} y={PAD.top + 4} text-anchor="end">{peak}</text>
        <text class="tick" x={PAD.left - 6} y={HEIGHT - PAD.bottom} text-anchor="end">0</text>
        {days.map((d, i) => {
          const h = (d.count / peak) * plotH;
          const x = PAD.left + i * slot;
          return (
            <g key={d.day}>
              <rect
                class="bar"
                x={x + slot * 0.15}
                y={HEIGHT - PAD.bottom - h}
                width={slot * 0.7}
                height={Math.max(h, d.count > 0 ? 1 : 0)}
                data-day={d.day}
                data-count={d.count}
              >
                <title>{d.day}: {signUps(d.count)}</title>
              </rect>
              {labelled.has(i) && (
                <text class="tick" x={x + slot / 2} y={HEIGHT - PAD.bottom + 16} text-anchor="middle">
                  {d.day.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <Phrase
          text={text.signupsCaption}
          parts={{ total: <strong>{signUps(total)}</strong>, days: days.length }}
        />
      </figcaption>
      <details>
        <summary>{text.signupsTable}</summary>
        <table class="list compact">
          <thead>
            <tr>
              <th scope="col">{text.columnDay}</th>
              <th scope="col">{text.columnSignUps}</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                <td class="number">{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

const ROW = 34;

/** Paid revenue per method as labelled horizontal bars. */
export function RevenueChart(
  { methods, days, mode, lang }: { methods: MethodRevenue[]; days: number; mode: string; lang: Lang },
) {
  const text = CHARTS_TEXT[lang];
  const payments = (n: number) => counted(n, text.payment, text.payments);
  const total = methods.reduce((sum, m) => sum + m.amount, 0);
  const peak = Math.max(1, ...methods.map((m) => m.amount));
  const labelW = 130;
  const valueW = 190;
  const barW = WIDTH - labelW - valueW;
  const height = methods.length * ROW + 8;
  return (
    <figure class="chart" data-chart="revenue">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby="revenue-title revenue-desc"
        width="100%"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="revenue-title">{fill(text.revenueTitle, { days, mode })}</title>
        <desc id="revenue-desc">
          {fill(text.revenueDesc, {
            total: formatRupiah(total),
            methods: methods
              .map((m) =>
                fill(text.revenueOfMethod, {
                  method: methodLabel(m.method, null, lang),
                  amount: formatRupiah(m.amount),
                  payments: payments(m.payments),
                })
              )
              .join("; "),
          })}
        </desc>
        {methods.map((m, i) => {
          const y = 4 + i * ROW;
          const w = (m.amount / peak) * barW;
          return (
            <g key={m.method} data-method={m.method}>
              <text class="label" x={0} y={y + ROW / 2 + 4}>{methodLabel(m.method, null, lang)}</text>
              <rect
                class="bar"
                x={labelW}
                y={y + 6}
                width={Math.max(w, m.amount > 0 ? 1 : 0)}
                height={ROW - 12}
              >
                <title>
                  {methodLabel(m.method, null, lang)}: {formatRupiah(m.amount)} ({payments(m.payments)})
                </title>
              </rect>
              <text class="value" x={labelW + Math.max(w, 0) + 8} y={y + ROW / 2 + 4}>
                {formatRupiah(m.amount)} · {payments(m.payments)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <Phrase text={text.revenueCaption} parts={{ total: <strong>{formatRupiah(total)}</strong>, days }} />
      </figcaption>
    </figure>
  );
}

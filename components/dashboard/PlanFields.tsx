import type { Plan } from "@/db/plans.ts";
import { claimFields, type PlanForm } from "@/lib/dashboard/plans_page.ts";

const INTERVALS = [["month", "per month"], ["year", "per year"], ["one_time", "one time"]] as const;

/** "per month", "per year", "one time". */
export function intervalLabel(interval: string): string {
  return INTERVALS.find(([value]) => value === interval)?.[1] ?? interval;
}

/**
 * The plan form's fields, filled from a refused submission (`draft`), else the plan being edited, else empty.
 * `idPrefix` keeps label ids unique when two forms share a page.
 */
export function PlanFields(
  { draft, plan, creating }: { draft?: PlanForm; plan?: Plan; creating: boolean },
) {
  const claims = plan ? claimFields(plan.claims) : { flags: "", other: "" };
  const value = {
    key: draft?.key ?? "",
    name: draft?.name ?? plan?.name ?? "",
    description: draft?.description ?? plan?.description ?? "",
    price: draft?.price_idr ?? (plan ? String(plan.price_idr) : ""),
    interval: draft?.interval ?? plan?.interval ?? "month",
    flags: draft?.feature_flags ?? claims.flags,
    other: draft?.claims ?? claims.other,
    sort: draft?.sort_order ?? (plan ? String(plan.sort_order) : ""),
    trial: draft?.trial_days ?? (plan?.trial_days ? String(plan.trial_days) : ""),
  };
  return (
    <>
      {creating && (
        <>
          <label for="plan-key">Key</label>
          <input
            id="plan-key"
            name="key"
            required
            pattern="[a-z0-9_\-]{1,64}"
            value={value.key}
            placeholder="pro"
            aria-describedby="plan-key-help"
          />
          <small id="plan-key-help" class="muted">
            What tokens carry as <code>custom_claims.plan</code>: a–z, 0–9, _ and -. It never changes.
          </small>
        </>
      )}
      <label for="plan-name">Name</label>
      <input id="plan-name" name="name" required maxLength={100} value={value.name} placeholder="Pro" />
      <label for="plan-description">Description</label>
      <textarea id="plan-description" name="description" maxLength={1000} rows={2}>
        {value.description}
      </textarea>
      <label for="plan-price">Price (whole rupiah)</label>
      <input
        id="plan-price"
        name="price_idr"
        required
        inputMode="numeric"
        value={value.price}
        placeholder="99000"
      />
      <label for="plan-interval">Billing interval</label>
      <select id="plan-interval" name="interval">
        {INTERVALS.map(([option, label]) => (
          <option key={option} value={option} selected={option === value.interval}>{label}</option>
        ))}
      </select>
      <label for="plan-flags">Feature flags</label>
      <input
        id="plan-flags"
        name="feature_flags"
        value={value.flags}
        placeholder="export_csv, beta_dashboard"
        aria-describedby="plan-flags-help"
      />
      <small id="plan-flags-help" class="muted">Separated by commas or spaces.</small>
      <label for="plan-claims">Other claims (JSON object)</label>
      <textarea id="plan-claims" name="claims" rows={2} placeholder='{"seats": 5}'>{value.other}</textarea>
      <label for="plan-sort">Sort order</label>
      <input id="plan-sort" name="sort_order" inputMode="numeric" value={value.sort} placeholder="0" />
      <label for="plan-trial">Free trial (days)</label>
      <input
        id="plan-trial"
        name="trial_days"
        inputMode="numeric"
        value={value.trial}
        placeholder="0"
        aria-describedby="plan-trial-help"
      />
      <small id="plan-trial-help" class="muted">
        Each user may start one trial of a paid plan (docs/billing.md); empty or 0 for none.
      </small>
      {creating && (
        <label class="check">
          <input type="checkbox" name="default" value="true" checked={draft?.default !== undefined} />{" "}
          Make it the default plan
        </label>
      )}
    </>
  );
}

/** A plan's claims: its feature flags as tags, other claims as key = value. */
export function ClaimList({ claims }: { claims: Record<string, unknown> }) {
  const { feature_flags: flags, ...other } = claims;
  const entries = Object.entries(other);
  if (!Array.isArray(flags) && entries.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="claims">
      {Array.isArray(flags) && flags.map((flag) => <li key={`f-${flag}`} class="flag">{String(flag)}</li>)}
      {entries.map(([name, value]) => (
        <li key={name}>
          <code>{name}</code> = <code>{JSON.stringify(value)}</code>
        </li>
      ))}
    </ul>
  );
}

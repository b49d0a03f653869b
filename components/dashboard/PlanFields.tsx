import type { Plan } from "@/db/plans.ts";
import { claimFields } from "@/lib/dashboard/plans_page.ts";
import type { Posted } from "@/lib/dashboard/form_action.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { PLANS_TEXT } from "@/lib/dashboard/text/plans.ts";
import { Phrase } from "./Phrase.tsx";

const INTERVALS = [["month", "perMonth"], ["year", "perYear"], ["one_time", "oneTime"]] as const;

/** "per month", "per year", "one time" (in the page's language). */
export function intervalLabel(interval: string, lang: Lang = "en"): string {
  const key = INTERVALS.find(([value]) => value === interval)?.[1];
  return key ? PLANS_TEXT[lang][key] : interval;
}

/**
 * The plan form's fields, filled from a refused submission (`draft`), else the plan being edited, else empty.
 * `idPrefix` keeps label ids unique when two forms share a page.
 */
export function PlanFields(
  { draft, plan, creating, lang = "en" }: { draft?: Posted; plan?: Plan; creating: boolean; lang?: Lang },
) {
  const text = PLANS_TEXT[lang];
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
          <label for="plan-key">{text.key}</label>
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
            <Phrase text={text.keyHelp} parts={{ claim: <code>custom_claims.plan</code> }} />
          </small>
        </>
      )}
      <label for="plan-name">{text.name}</label>
      <input id="plan-name" name="name" required maxLength={100} value={value.name} placeholder="Pro" />
      <label for="plan-description">{text.description}</label>
      <textarea id="plan-description" name="description" maxLength={1000} rows={2}>
        {value.description}
      </textarea>
      <label for="plan-price">{text.price}</label>
      <input
        id="plan-price"
        name="price_idr"
        required
        inputMode="numeric"
        value={value.price}
        placeholder="99000"
      />
      <label for="plan-interval">{text.interval}</label>
      <select id="plan-interval" name="interval">
        {INTERVALS.map(([option, label]) => (
          <option key={option} value={option} selected={option === value.interval}>{text[label]}</option>
        ))}
      </select>
      <label for="plan-flags">{text.flags}</label>
      <input
        id="plan-flags"
        name="feature_flags"
        value={value.flags}
        placeholder="export_csv, beta_dashboard"
        aria-describedby="plan-flags-help"
      />
      <small id="plan-flags-help" class="muted">{text.flagsHelp}</small>
      <label for="plan-claims">{text.otherClaims}</label>
      <textarea id="plan-claims" name="claims" rows={2} placeholder='{"seats": 5}'>{value.other}</textarea>
      <label for="plan-sort">{text.sortOrder}</label>
      <input id="plan-sort" name="sort_order" inputMode="numeric" value={value.sort} placeholder="0" />
      <label for="plan-trial">{text.trial}</label>
      <input
        id="plan-trial"
        name="trial_days"
        inputMode="numeric"
        value={value.trial}
        placeholder="0"
        aria-describedby="plan-trial-help"
      />
      <small id="plan-trial-help" class="muted">{text.trialHelp}</small>
      {creating && (
        <label class="check">
          <input type="checkbox" name="default" value="true" checked={draft?.default !== undefined} />{" "}
          {text.makeItDefault}
        </label>
      )}
    </>
  );
}

/** A plan's claims: its feature flags as tags, other claims as key = value. */
export function ClaimList({ claims, lang = "en" }: { claims: Record<string, unknown>; lang?: Lang }) {
  const { feature_flags: flags, ...other } = claims;
  const entries = Object.entries(other);
  if (!Array.isArray(flags) && entries.length === 0) {
    return <span class="muted">{PLANS_TEXT[lang].noClaims}</span>;
  }
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

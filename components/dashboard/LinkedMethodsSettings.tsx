/** The Settings page's automatic-renewal switches (settings.linked_methods, docs/billing.md "Automatic renewal"). */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";

const SWITCHES = [
  {
    key: "enabled",
    label: "Customers may link OVO or DANA on their billing page, and renewals are charged to it",
  },
  { key: "shopeepay", label: "Offer ShopeePay linking (only once Xendit has approved it for your account)" },
  {
    key: "gopay_recurring",
    label: "Offer GoPay recurring linking (only once Xendit has approved it for your account)",
  },
  {
    key: "direct_debit",
    label:
      "Offer direct debit from BRI and Mandiri (only once Xendit has activated direct debit for your account)",
  },
  {
    key: "cards",
    label:
      "Offer cards on file, charged as recurring (only once Xendit has activated cards for your account)",
  },
] as const;

/** Linking e-wallets for automatic renewal: on or off, and the channels that need Xendit's approval. */
export function LinkedMethodsSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = (data.project.settings.linked_methods ?? {}) as Record<string, unknown>;
  return (
    <section class="card" aria-labelledby="linked-methods-heading">
      <h2 id="linked-methods-heading">Automatic renewal</h2>
      <p class="muted">
        A linked e-wallet is charged when a renewal is due; if that charge fails, the customer gets the usual
        pay-link mail and the grace period. Without a linked wallet, renewals are paid by the mailed link.
      </p>
      <form method="post" action={`${base}/settings/linked-methods`} class="form">
        <CsrfField token={data.frame.csrf} />
        <fieldset>
          <legend>Linked methods</legend>
          {SWITCHES.map(({ key, label }) => (
            <label key={key}>
              <input
                type="checkbox"
                name={key}
                value="on"
                checked={current[key] === true}
                disabled={!canEdit}
                data-linked-switch={key}
              />{" "}
              {label}
            </label>
          ))}
        </fieldset>
        {canEdit && <button type="submit" class="button">Save automatic renewal</button>}
      </form>
    </section>
  );
}

/**
 * Fixture for a charge ended here: a pending OVO charge that Xendit is taken to still call pending past its
 * horizon, ended by the function the billing pass calls (api.abandon_charge) and applied like a callback.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { abandonCharge } from "@/db/billing.ts";
import { applyPaymentEvent } from "@/db/payments.ts";
import { pendingCharge } from "./pending_charge.ts";
import { type Shop } from "./payments.ts";
import { waitFor } from "./wait.ts";

/** An OVO charge's horizon is a day and an hour after it was made (astapa.charge_horizon): two days is past it. */
const PAST_HORIZON_MS = 2 * 86_400_000;

/** Ends charge `providerId` (a new checkout's OVO charge) at `at`, applied; answers its checkout and the end. */
export async function abandonedCharge(
  sql: Sql,
  shop: Shop,
  providerId: string,
  at = new Date(Date.now() + PAST_HORIZON_MS),
): Promise<{ checkoutId: string; at: Date; horizon: string; reason: string }> {
  const p = shop.project.id;
  const { checkout_id: checkoutId } = await pendingCharge(sql, p, shop.userId, providerId, "ovo");
  const ended = await asApp(sql, p, (tx) => abandonCharge(tx, p, providerId, at));
  if (!ended || ended.duplicate) throw new Error(`${providerId} was not ended: ${JSON.stringify(ended)}`);
  // Applied here, or by a payment worker the test runs (which may hold the event until it commits).
  while (await asApp(sql, p, (tx) => applyPaymentEvent(tx, p)));
  await waitFor(async () => {
    const [row] = await asApp(
      sql,
      p,
      (tx) => tx`select outcome from astapa.payment_events where provider_id = ${providerId}`,
    );
    return row?.outcome === "expired";
  }, "the end to be applied");
  return { checkoutId, at, horizon: ended.horizon, reason: ended.reason };
}

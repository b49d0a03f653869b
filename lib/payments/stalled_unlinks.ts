/**
 * The billing pass finishes unlinks nobody else will (docs/payments.md "Unlinking a method"). An unlink marks its
 * method first, and a marked method is never charged; when Xendit gave the unlink no answer (timeout,
 * unreachable, 5xx) or its instance died before the end, the mark would otherwise stay for good — renewals never
 * charge the method, yet it looks linked. Once a mark's last try is older than the window (longer than any call
 * to Xendit may take, so never an unlink still in flight), the pass does what the customer asked: expire the
 * method at Xendit again (already expired there counts as done) and end it here as whoever asked, or clear the
 * mark when Xendit refuses — the same outcome as the unlink itself. No answer again, or the project's API key
 * refused: the method stays marked and is tried a window later. The pass's breaker (xendit_breaker.ts) holds
 * these calls back like its others. A claim's or an erasure's unlinks (astapa.unlink_every_method) are due at once: their
 * try is '-infinity', so the next pass takes them whatever the window.
 */
import { asApp } from "@/db/client.ts";
import { nextStalledUnlink, type StalledUnlink } from "@/db/linked_methods.ts";
import { log } from "../http/log.ts";
import type { PaymentDeps } from "./accounts.ts";
import { completeUnlink } from "./linked_methods.ts";
import { type AccountRef, XenditBreaker } from "./xendit_breaker.ts";

/**
 * How old an unlink's last try must be before the pass finishes it: 15 minutes, longer than the longest deadline
 * a call to Xendit can have (XENDIT_TIMEOUT_MS, at most 10 minutes) plus the unlink's two short transactions.
 */
export const UNLINK_STALE_SECONDS = 900;

export type StalledUnlinkOutcome = {
  projectId: string;
  methodId: string;
  /**
   * unlinked: ended here; kept: Xendit refused, the mark is cleared; retry: no answer or the key refused, tried
   * a window later.
   */
  outcome: "unlinked" | "kept" | "retry";
};

/** Thrown inside a claim's transaction to roll it back: its account's breaker is open. */
const HELD_BACK = Symbol("held back");

const accountOf = (projectId: string, method: StalledUnlink): AccountRef => ({
  projectId,
  environment: method.environment,
  account: method.xendit_account,
});

/** Finishes the project's stalled unlinks at `now`; returns what became of each. */
export async function finishStalledUnlinks(
  deps: PaymentDeps,
  projectId: string,
  now: Date,
  breaker = new XenditBreaker(),
): Promise<StalledUnlinkOutcome[]> {
  const outcomes: StalledUnlinkOutcome[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const stalled = await asApp(deps.sql, projectId, async (tx) => {
      const stalled = await nextStalledUnlink(tx, projectId, now, UNLINK_STALE_SECONDS);
      if (stalled?.expire_at_xendit && !breaker.allows(accountOf(projectId, stalled))) throw HELD_BACK;
      return stalled;
    }, { actor: "billing" }).catch((error): typeof HELD_BACK => {
      if (error === HELD_BACK) return HELD_BACK;
      throw error;
    });
    if (!stalled || stalled === HELD_BACK) break;
    // The audit names whoever asked (unlink_actor), not the pass.
    const done = await completeUnlink(deps, projectId, stalled.sub, stalled, { actor: "billing" });
    // The breaker opens for no answer or a refused key alone (xendit_breaker.ts), not for Xendit's "no".
    if (done.outcome !== "unlinked") breaker.failed(accountOf(projectId, stalled), done.failure, "unlink");
    const outcome = done.outcome === "unlinked" || done.outcome === "kept" ? done.outcome : "retry";
    log(outcome === "retry" ? "warn" : "info", "stalled_unlink", {
      project_id: projectId,
      method_id: stalled.method_id,
      requested_at: stalled.unlink_requested_at,
      outcome,
      ...(done.outcome === "unlinked" ? {} : { code: done.failure.code }),
    });
    outcomes.push({ projectId, methodId: stalled.method_id, outcome });
  }
  return outcomes;
}

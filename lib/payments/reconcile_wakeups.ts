/**
 * Reconciles a project at once when a stopped reconciliation of one of its charges or refunds is resumed
 * (api.resume_payment_reconciliation, api.resume_refund_reconciliation, or an operator's UPDATE): their trigger
 * NOTIFYs astapa_reconcile with the project, as a stored callback wakes the payment worker. The NOTIFY is only a
 * wake-up call — the resumed row (no stop, never checked) is the truth and the billing pass claims it on its next
 * pass anyway — so a wake-up lost in a failover costs at most one pass interval. Instances share the work as
 * the pass does: each charge or refund is claimed with FOR UPDATE SKIP LOCKED.
 */
import type { Sql } from "@/db/client.ts";
import { log } from "../http/log.ts";
import { payloadProject } from "../project_wakeups.ts";

export const RECONCILE_CHANNEL = "astapa_reconcile";

export class ReconcileWakeups {
  #pending = new Set<string>();
  #running: Promise<void> | null = null;
  #stopped = false;
  #unlisten: (() => Promise<void>) | null = null;

  /** `reconcile` runs one project's reconciliation (BillingScheduler.reconcile). */
  constructor(readonly sql: Sql, readonly reconcile: (projectId: string) => Promise<unknown>) {}

  async start(): Promise<void> {
    const listener = await this.sql.listen(RECONCILE_CHANNEL, (payload) => {
      const projectId = payloadProject(payload);
      if (projectId) void this.wake(projectId);
    });
    this.#unlisten = () => listener.unlisten();
  }

  /** Reconciles `projectId` now, or right after the project being reconciled (wake-ups coalesce). */
  wake(projectId: string): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#pending.add(projectId);
    this.#running ??= this.#drain();
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#unlisten?.().catch(() => {});
    await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.size && !this.#stopped) {
        const [projectId] = this.#pending;
        this.#pending.delete(projectId);
        try {
          await this.reconcile(projectId);
        } catch (error) {
          // The pass reconciles the project again within its interval: nothing is lost but the hurry.
          log("error", "reconcile_wakeup_failed", { project_id: projectId, error: String(error) });
        }
      }
    } finally {
      // No await between the loop's last check and this: a wake-up meanwhile starts a new drain.
      this.#running = null;
    }
  }
}

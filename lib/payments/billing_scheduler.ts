/**
 * The billing pass every instance runs periodically: for each project with billing work, unlinks that stalled
 * (stalled_unlinks.ts: finished once their mark is older than the window, before anything is charged), renewals (next
 * period's checkout + mail, past_due, expiry to the default plan, cancel at period end), charges of linked
 * e-wallets for those renewals (lib/payments/renewal_charges.ts), then reconciliation
 * of stale charges and expiry of old checkouts. Each pass has its own Xendit breaker (xendit_breaker.ts):
 * after a call with an account goes unanswered, the pass makes no more calls with it and the skipped work
 * waits for the next pass. Instances share the work safely: each step locks its subscription or charge with
 * FOR UPDATE SKIP LOCKED, and a renewal checkout is unique per period.
 * The clock is injectable, so tests move time instead of sleeping.
 */
import { asApp } from "@/db/client.ts";
import { projectsWithBillingWork, type RenewalStep } from "@/db/billing.ts";
import {
  type OrganizationRenewalStep,
  projectsWithOrganizationRenewals,
} from "@/db/organization_renewals.ts";
import { log } from "../http/log.ts";
import type { PaymentDeps } from "./accounts.ts";
import { reconcileProject, type ReconcileResult } from "./reconcile.ts";
import { renewProject, type StepHook } from "./renewals.ts";
import { type ChargeOutcome, chargeRenewals } from "./renewal_charges.ts";
import { renewOrganizations } from "./organization_renewals.ts";
import { XenditBreaker } from "./xendit_breaker.ts";
import { finishStalledUnlinks, type StalledUnlinkOutcome } from "./stalled_unlinks.ts";

export type Clock = () => Date;

export type BillingOptions = {
  clock?: Clock;
  /** How often a pass runs (default 60 s). */
  intervalMs?: number;
  /** A charge pending longer than this is asked about with Xendit's GET (default 15 minutes). */
  staleSeconds?: number;
  /** Called inside each renewal step's transaction, before commit (tests hold steps open here). */
  beforeCommit?: StepHook;
};

export type PassReport = {
  renewals: (RenewalStep & { projectId: string })[];
  /** Linked-method renewal charges made, settled or fallen back to the pay-link mail. */
  charges: ChargeOutcome[];
  /** Team plans' steps (organization_renewals.ts). */
  organizationRenewals?: (OrganizationRenewalStep & { projectId: string })[];
  /** Stalled unlinks the pass finished, found refused, or left for a window later (stalled_unlinks.ts). */
  unlinks?: StalledUnlinkOutcome[];
  reconciled: number;
  expired: number;
  /**
   * Xendit calls not made because their account stopped answering earlier in the pass (still due). A project's
   * held-back renewal charges count one: the first is not claimed, and the rest are not reached.
   */
  skipped: number;
};

export class BillingScheduler {
  #timer: ReturnType<typeof setInterval> | null = null;
  #running: Promise<PassReport> | null = null;
  #stopped = false;

  constructor(readonly deps: PaymentDeps, readonly options: BillingOptions = {}) {}

  /** Runs a pass now and then every intervalMs. */
  start(): void {
    this.#stopped = false;
    void this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.options.intervalMs ?? 60_000);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /** One pass at the clock's time (or `now`); overlapping calls wait for the running one. */
  pass(now?: Date): Promise<PassReport> {
    if (this.#running) return this.#running;
    this.#running = this.#pass(now ?? (this.options.clock ?? (() => new Date()))())
      .finally(() => this.#running = null);
    return this.#running;
  }

  /** Reconciles one project now: a resumed reconciliation woke it (reconcile_wakeups.ts). */
  reconcile(projectId: string): Promise<ReconcileResult> {
    const now = (this.options.clock ?? (() => new Date()))();
    return reconcileProject(this.deps, projectId, now, this.options.staleSeconds ?? 900);
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#running) return;
    try {
      const report = await this.pass();
      if (
        report.renewals.length || report.charges.length || report.reconciled || report.expired ||
        report.skipped || report.unlinks?.length
      ) {
        log("info", "billing_pass", {
          unlinks: report.unlinks?.length ?? 0,
          renewals: report.renewals.length,
          charges: report.charges.length,
          reconciled: report.reconciled,
          expired: report.expired,
          skipped: report.skipped,
        });
      }
    } catch (error) {
      if (!this.#stopped) log("error", "billing_pass_failed", { error: String(error) });
    }
  }

  async #pass(now: Date): Promise<PassReport> {
    const report: PassReport = { renewals: [], charges: [], reconciled: 0, expired: 0, skipped: 0 };
    const breaker = new XenditBreaker();
    const projects = await asApp(this.deps.sql, null, async (tx) => [
      ...new Set([...await projectsWithBillingWork(tx), ...await projectsWithOrganizationRenewals(tx)]),
    ]);
    for (const projectId of projects) {
      if (this.#stopped) break;
      try {
        // First: a method whose unlink Xendit refuses is chargeable again for this pass's renewals. Its own
        // trouble is logged and does not hold the renewals up (the unlink is tried again a window later).
        (report.unlinks ??= []).push(
          ...await finishStalledUnlinks(this.deps, projectId, now, breaker).catch((error) => {
            log("error", "stalled_unlinks_failed", { project_id: projectId, error: String(error) });
            return [];
          }),
        );
        const steps = await renewProject(this.deps, projectId, now, this.options.beforeCommit);
        report.renewals.push(...steps.map((step) => ({ ...step, projectId })));
        const teams = await renewOrganizations(this.deps, projectId, now);
        (report.organizationRenewals ??= []).push(...teams.map((step) => ({ ...step, projectId })));
        // After both steps: the linked-method charges they opened (people's and organizations') go out now.
        report.charges.push(...await chargeRenewals(this.deps, projectId, now, breaker));
        const reconciled = await reconcileProject(
          this.deps,
          projectId,
          now,
          this.options.staleSeconds ?? 900,
          breaker,
        );
        report.reconciled += reconciled.recorded;
        report.expired += reconciled.expired;
      } catch (error) {
        // One project's trouble (e.g. unreadable keys) must not stop the others' renewals.
        log("error", "billing_project_failed", { project_id: projectId, error: String(error) });
      }
    }
    report.skipped = breaker.skipped;
    return report;
  }
}

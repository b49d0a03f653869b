/**
 * A circuit breaker for one billing pass (docs/payments.md "When Xendit does not answer"): once a call with a
 * Xendit account times out, finds Xendit unreachable or has the account's API key refused (401/403), the rest of
 * the pass makes no more calls with that account — otherwise a stalled Xendit costs the full deadline per
 * renewal, charge and refund, and holds up every other project's pass behind it, and a dead key is sent to Xendit
 * once per due item, each refused the same way. Skipped work is left as it was (still due); the next pass, with a
 * new breaker, tries again. Other accounts — other projects' keys, the other mode — are not affected.
 */
import type { XenditAccount } from "@/db/payments.ts";
import { log } from "../http/log.ts";
import { isCredentialsRefused, isNoAnswer } from "./provider_errors.ts";
import { ChargeError } from "./xendit.ts";

/** Which account a call goes through: what a checkout records (its environment and xendit_account). */
export type AccountRef = {
  projectId: string;
  environment: "sandbox" | "production";
  account: XenditAccount;
};

/** The deployment's keys are one account for every project; a project's own keys and simulator are its own. */
function keyOf(ref: AccountRef): string {
  return ref.account === "deployment"
    ? `deployment:${ref.environment}`
    : `${ref.projectId}:${ref.environment}:${ref.account}`;
}

/** Why a breaker opened: Xendit gave the call no answer, or refused the account's API key. */
export type BreakerReason = "no_answer" | "credentials_refused";

/** Why `failure` opens an account's breaker, or null when it does not (Xendit's "no" to the request). */
function reasonOf(failure: ChargeError): BreakerReason | null {
  if (isNoAnswer(failure)) return "no_answer";
  return isCredentialsRefused(failure) ? "credentials_refused" : null;
}

export class XenditBreaker {
  readonly #open = new Set<string>();
  /** Xendit calls this pass did not make because their account's breaker was open. */
  skipped = 0;

  /** Whether a call with this account may go out; a call held back is counted as skipped. */
  allows(ref: AccountRef): boolean {
    if (!this.#open.has(keyOf(ref))) return true;
    this.skipped++;
    return false;
  }

  /**
   * Notes a failed call: no answer in time, no connection or a connection lost mid-answer, or the account's key
   * refused (not a refusal of the request, nor a bug of ours) opens the account's breaker, logged once with why.
   */
  failed(ref: AccountRef, error: unknown, call: string): void {
    // A bug of ours (not a ChargeError) says nothing about Xendit: the breaker stays shut.
    if (!(error instanceof ChargeError)) return;
    const reason = reasonOf(error);
    const key = keyOf(ref);
    if (!reason || this.#open.has(key)) return;
    this.#open.add(key);
    log("warn", "xendit_breaker_open", {
      project_id: ref.projectId,
      mode: ref.environment === "production" ? "live" : "sandbox",
      account: ref.account,
      call,
      error: error.code,
      reason,
      ...(reason === "credentials_refused" ? { status: error.status } : {}),
      skipped:
        "this pass's remaining Xendit calls with this account (renewal charges, reconciliation, refunds, unlinks)",
    });
  }
}

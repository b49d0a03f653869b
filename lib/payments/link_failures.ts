/**
 * A link (linked_methods.ts, card_link.ts) that failed on our side once its row was reserved — a bug, an answer
 * from Xendit we cannot read, the database — is ended here rather than left waiting for an approval nobody can
 * give: logged as an error with its stack, then failed, so the person can link again. And the failure a link
 * records when Xendit answered it with an error (linkFailure).
 */
import type { PaymentDeps } from "./accounts.ts";
import { asApp } from "@/db/client.ts";
import { recordMethodLinkAnswer } from "@/db/linked_methods.ts";
import { log } from "../http/log.ts";
import { isCredentialsRefused } from "./provider_errors.ts";
import type { ChargeError } from "./xendit.ts";

/** What such a link records as its failure: no detail of ours, which the log has with the stack. */
export const LINK_ERROR_FAILURE = "internal_error: the link failed on our side; try again.";

/** What a link Xendit refused our API key for records: our words, not a decline of Xendit's (no 401/403 code). */
export const LINK_KEY_REFUSED_FAILURE =
  "credentials_refused: Xendit refused the project's API key, not the link; link again once the keys are fixed.";

/** What a link records for Xendit's error answer `failure`: its code and words, unless our key was refused. */
export function linkFailure(failure: ChargeError): string {
  return isCredentialsRefused(failure) ? LINK_KEY_REFUSED_FAILURE : `${failure.code}: ${failure.message}`;
}

/**
 * Ends the reserved link `methodId` after `error` of ours; the caller then throws `error` again (a 500 with the
 * request id). A late activation callback for it changes nothing (forward only), and a failed method is never
 * charged.
 */
export async function failBrokenLink(
  deps: PaymentDeps,
  projectId: string,
  methodId: string,
  error: unknown,
): Promise<void> {
  log("error", "method_link_error", { project_id: projectId, method_id: methodId, error });
  try {
    await asApp(
      deps.sql,
      projectId,
      (tx) => recordMethodLinkAnswer(tx, projectId, methodId, { failure: LINK_ERROR_FAILURE }),
    );
  } catch (failure) {
    // The database itself: the link waits until the next link of its channel replaces it.
    log("error", "method_link_error_unrecorded", {
      project_id: projectId,
      method_id: methodId,
      error: failure,
    });
  }
}

/**
 * What Xendit's error answers mean for Astapa (lib/payments/xendit.ts makes them ChargeErrors): a definitive
 * refusal, a refused API key, or neither — and the catalogue words (payment_provider_error) each call's
 * failure gives the person or developer waiting on it.
 */
import { AppError, type DescriptionKey, DESCRIPTIONS } from "../http/errors.ts";
import { log } from "../http/log.ts";
import type { ChargeError } from "./xendit.ts";

/**
 * Whether Xendit answered with a refusal — its definitive no (4xx) — rather than no answer, a server error,
 * "too many requests" (429) or a refusal of our credentials (401, 403: isCredentialsRefused), after which the
 * same request may yet be taken.
 */
export function isRefusal(failure: ChargeError): boolean {
  return failure.status !== null && failure.status < 500 && failure.status !== 429 &&
    !isCredentialsRefused(failure);
}

/**
 * Xendit's 403 codes that refuse the request's kind rather than the key (Xendit's eWallet test scenarios: a
 * channel the business has not activated): a project setting to fix too, but not "credentials refused", and
 * no reason to stop the pass's other calls with the account.
 */
const NOT_THE_KEY_403 = new Set(["CHANNEL_NOT_ACTIVATED"]);

/**
 * Whether Xendit refused the API key rather than the request (401, 403: a rotated, revoked or wrong key, a
 * publishable key where the secret one belongs, or one without the permission): a configuration failure an
 * operator must fix, which says nothing about the refund, charge, link or unlink itself, so the same request is
 * asked again once the key works — never recorded as Xendit declining it.
 */
export function isCredentialsRefused(failure: ChargeError): boolean {
  return failure.status === 401 || (failure.status === 403 && !NOT_THE_KEY_403.has(failure.code));
}

/** The calls to Xendit a person or a developer waits on, each with its own words for Xendit's error answer. */
export type ProviderCall = "charge" | "link" | "unlink" | "refund";

/**
 * Logs a refused key once per call, as an error (an operator must fix the keys): the project and what was asked,
 * with Xendit's status and code — never the key. `xendit_<call>_credentials_refused`.
 */
export function logCredentialsRefused(
  call: ProviderCall,
  failure: ChargeError,
  fields: { project_id: string } & Record<string, unknown>,
): void {
  log("error", `xendit_${call}_credentials_refused`, {
    ...fields,
    status: failure.status,
    failure_code: failure.code,
  });
}

/**
 * payment_provider_error (502) for a `call` Xendit gave no usable answer to, saying what happened: one past the
 * deadline, one that never reached Xendit or one whose answer was cut off says so, whatever the call (a refund
 * adds that its amount stays reserved and it is asked for again, rather than "try again"); a refused key
 * (isCredentialsRefused) says the project's Xendit credentials were refused and what became of the call; any
 * other answer with an error says which call it refused — a charge, a link, an unlink (kept linked on a refusal,
 * still marked otherwise) or a refund (still reserved, asked again by the billing pass) — never "the charge" for
 * the others. The cause, logged, says more.
 */
export function providerError(failure: ChargeError, call: ProviderCall): AppError {
  return new AppError("payment_provider_error", {
    cause: failure,
    description: DESCRIPTIONS[providerErrorKey(failure, call)],
  });
}

/** No answer to speak of (past the deadline, never reached Xendit, cut off): the same words for every call. */
const NO_ANSWER = ["timeout", "unreachable", "interrupted"] as const;

/** Whether Xendit gave no answer to speak of (NO_ANSWER): it may have acted on the request. */
export function isNoAnswer(failure: ChargeError): boolean {
  return NO_ANSWER.some((code) => code === failure.code);
}

/** Which catalogue words providerError gives a failure of `call` (see there). */
function providerErrorKey(failure: ChargeError, call: ProviderCall): DescriptionKey {
  const noAnswer = NO_ANSWER.find((code) => code === failure.code);
  // A refund without an answer stays reserved and is asked again by the billing pass: "try again" would be wrong.
  if (noAnswer) {
    return call === "refund" ? `payment_provider_${noAnswer}_refund` : `payment_provider_${noAnswer}`;
  }
  if (isCredentialsRefused(failure)) return `payment_provider_credentials_${call}`;
  switch (call) {
    case "unlink":
      // Only Xendit's definitive no keeps the method linked; anything else leaves the unlink under way.
      return isRefusal(failure) ? "payment_provider_refused_unlink" : "payment_provider_failed_unlink";
    case "refund":
      return "payment_provider_failed_refund";
    case "link":
      return "payment_provider_refused_link";
    case "charge":
      return "payment_provider_refused_charge";
  }
}

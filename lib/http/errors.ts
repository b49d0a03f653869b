/**
 * The error catalogue: one stable snake_case code per failure, its HTTP status and the message the client
 * sees. Internal causes never reach the client; they are logged with the request id.
 */
import type { z } from "zod";
import { GrantRefused } from "@/db/token_claims.ts";

export const ERRORS = {
  invalid_request: { status: 400, message: "The request is malformed." },
  invalid_json: { status: 400, message: "The request body is not valid JSON." },
  validation_failed: { status: 400, message: "Some fields are missing or invalid." },
  unauthorized: { status: 401, message: "Authentication is required." },
  forbidden: { status: 403, message: "You are not allowed to do this." },
  // A session support staff opened as the person (docs/impersonation.md) may not change how they sign in.
  impersonated: {
    status: 403,
    message: "Support staff signed in as this person cannot do this: only the person can.",
  },
  not_found: { status: 404, message: "Nothing lives at this address." },
  method_not_allowed: { status: 405, message: "This address does not accept that method." },
  conflict: { status: 409, message: "The request conflicts with the current state." },
  payload_too_large: { status: 413, message: "The request body is larger than 1 MiB." },
  // The client closed the connection while its request's body was on the way (nginx's 499): nobody hears the
  // answer, which is logged and counted apart from the 400 of a body that arrived malformed.
  client_closed_request: { status: 499, message: "The connection closed before the request's body arrived." },
  unsupported_media_type: {
    status: 415,
    message: "Send the body as application/json or application/x-www-form-urlencoded.",
  },
  rate_limited: { status: 429, message: "Too many requests. Try again shortly." },
  internal_error: { status: 500, message: "Something went wrong on our side." },
  service_unavailable: { status: 503, message: "The service is not ready. Try again shortly." },
  outcome_unknown: {
    status: 503,
    message:
      "The database connection was lost while this change was being saved: it may or may not have been " +
      "applied. Check before repeating it, unless repeating it is harmless.",
  },
  // astapa.claim_unproven_account's second look, under the user's row lock: a proof of the account's other
  // channel landed after the sign-in's own check (docs/security.md, "Pre-account hijacking"). SQL raises this
  // text as AS4C9, so an Indonesian page shows only MESSAGES_ID's.
  account_changed_during_sign_in: {
    status: 409,
    message: "This account changed while you were signing in: its other email address or phone number was " +
      "confirmed a moment ago, so this code or link no longer signs you in. Sign in again, with the one that " +
      "was confirmed.",
  },
  // A password sign-in whose password was reset, removed or changed, or whose user was disabled, after the
  // password was checked (astapa.lock_password_sign_in): the hosted login shows it as a wrong password.
  credentials_changed: {
    status: 409,
    message: "The password or the account changed while you were signing in. Sign in again.",
  },
  // An organization's seats are all taken (astapa.assert_organization_seat, AS4F9): a conflict of its own, so the
  // hosted login tells it from other refusals without reading the message.
  organization_full: {
    status: 409,
    message: "The organization has no free seat: remove a member or move to a plan with more seats.",
  },
  // A project's 17th webhook endpoint (astapa.save_webhook_endpoint, AS4W6): a limit, not a clash with another
  // request, so a client tells it from conflict without reading the message.
  webhook_endpoint_limit: {
    status: 409,
    message: "This project has 16 webhook endpoints, the most it may have: remove one before adding another.",
  },
  // A mailed link that starts a sign-in the app did not start (an admin's password reset, api.send_password_reset,
  // AS4L0) needs the app's initiate_login_uri (OIDC Core §4; docs/hosted-login.md "Sign-ins the app did not start").
  initiate_login_uri_missing: {
    status: 409,
    message:
      "The project's client has no initiate_login_uri, so a mailed link has no app to start the sign-in " +
      "at: set one first.",
  },
  // An invitation accepted by an account whose address is not confirmed yet (astapa.assert_invitation_acceptable,
  // AS4V3): the token proves nothing about the mailbox (docs/organizations.md).
  email_unverified: {
    status: 403,
    message: "Confirm the email address first: only an account whose address is confirmed may do this.",
  },
  // settings.sign_up refused a new account (astapa.assert_sign_up_allowed, AS4N0-AS4N6): the description says
  // why; the hosted login says it in the person's language (lib/login/sign_up_refusal.tsx).
  sign_up_refused: {
    status: 403,
    message: "This app does not take new accounts for this address.",
  },
  // settings.sign_up.require_legal_consent and the person did not tick "I agree" (astapa.assert_sign_up_allowed,
  // AS4N7): the hosted login asks them on its sign-up form.
  legal_consent_required: {
    status: 403,
    message: "Agree to the app's terms and privacy policy to create an account.",
  },
  // The project's bot check (settings.bot_protection) refused an API call's token (POST /api/platform/anonymous).
  bot_check_failed: {
    status: 403,
    message: "The bot check failed. Solve the challenge again.",
  },
  // settings.anonymous_users is off (api.sign_in_anonymously, AS4A0): the app must turn it on first.
  anonymous_sign_ins_disabled: {
    status: 403,
    message: "Anonymous sign-ins are off for this project.",
  },
  // A guest's sign-up named a user who is no longer a guest (api.sign_up_guest, AS4A1): signed up already
  // (a second tab, a replayed form) or swept; or a guest the app signed out (astapa.lock_guest).
  guest_signed_up: {
    status: 409,
    message: "This guest account has signed up already or was signed out. Sign in instead.",
  },
  // Enforced enterprise SSO (astapa.assert_sso_not_required, AS4E0): the address's organization signs its people
  // in through its own IdP, so this way in is closed to it; the hosted login offers "Continue with single sign-on"
  // (lib/login/sso/required.tsx). DETAIL carries the address for that page only.
  sso_required: {
    status: 403,
    message: "Your organization signs you in with its own identity provider: continue with single sign-on.",
  },
  // An SSO sign-in whose IdP changed the person's address to one another account uses (astapa.sso_linked_user,
  // AS4E1): two accounts are never merged (docs/enterprise-sso.md).
  sso_email_taken: {
    status: 409,
    message: "The identity provider gave this person an address another account uses.",
  },
  // The account page's own address change for an account whose organization's IdP manages its address
  // (astapa.assert_email_not_sso_managed, AS4E2): moved off the SSO domain, it would open the ways in enforced SSO
  // closes (docs/enterprise-sso.md).
  email_managed_by_sso: {
    status: 403,
    message: "Your organization's identity provider manages this address: it changes there, not here.",
  },
  // api.resume_payment_reconciliation / api.resume_refund_reconciliation: nothing to resume (docs/payments.md).
  reconciliation_not_stopped: {
    status: 409,
    message:
      "Reconciliation of this payment or refund has not stopped: the billing pass still asks Xendit about it.",
  },
  already_final: {
    status: 409,
    message: "This payment or refund is already final: there is nothing left to reconcile.",
  },
  payments_not_configured: {
    status: 409,
    message:
      "Payments are not configured for this project: add Xendit keys (sandbox projects can use the simulator).",
  },
  // Xendit gave no usable answer to a charge, link, unlink or refund: DESCRIPTIONS say which call and what
  // happened (lib/payments/xendit.ts providerError); this message is only their common ground.
  payment_provider_error: {
    status: 502,
    message: "The payment provider did not accept the request. Try again shortly.",
  },

  // OAuth 2.0 codes, spelled exactly as RFC 6749 §5.2, RFC 6750 §3.1 and RFC 8707 define them.
  invalid_client: { status: 401, message: "Client authentication failed." },
  invalid_grant: {
    status: 400,
    message: "The grant is invalid, expired, revoked or was issued to another client.",
  },
  // 400 at the token endpoint (RFC 6749 §5.2); elsewhere a known client of the wrong kind hears it with 403
  // (AppError's `status` option, WRONG_CLIENT_KIND).
  unauthorized_client: { status: 400, message: "This client may not use this grant type." },
  unsupported_grant_type: { status: 400, message: "This grant type is not supported." },
  invalid_scope: {
    status: 400,
    message: "The requested scope is invalid or exceeds what the client may ask for.",
  },
  invalid_target: { status: 400, message: "The requested resource is invalid or unknown." },
  invalid_token: { status: 401, message: "The access token is invalid or expired." },
  // RFC 9449 §5 (token endpoint, 400) and §7.1 (resource access, sent with 401 there): the DPoP proof failed.
  invalid_dpop_proof: { status: 400, message: "The DPoP proof is invalid." },
  insufficient_scope: { status: 403, message: "The access token lacks the scope this request needs." },
  // RFC 7591 §3.2.2 (dynamic client registration).
  invalid_redirect_uri: { status: 400, message: "A redirect URI is invalid or not allowed." },
  invalid_client_metadata: { status: 400, message: "The client metadata is invalid or not supported." },
  // RFC 8628 §3.5: the device_code grant while there is nothing to issue.
  authorization_pending: { status: 400, message: "The person has not decided yet." },
  slow_down: { status: 400, message: "Polling too fast: wait longer between requests." },
  expired_token: { status: 400, message: "The device code has expired." },
  access_denied: { status: 400, message: "The person denied the request." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * Public descriptions more specific than their code's message, for failures a person meets on a page too: the
 * API body says them as error_description, and the pages say them in the person's language (error_text.ts).
 */
export const DESCRIPTIONS = {
  // payment_provider_error when Xendit took the request and did not answer by XENDIT_TIMEOUT_MS: not a refusal.
  payment_provider_timeout: "The payment provider did not answer in time. Try again shortly.",
  // payment_provider_error when no connection to Xendit could be made (refused, DNS, network): not a refusal.
  payment_provider_unreachable: "The payment provider could not be reached. Try again shortly.",
  // payment_provider_error when the connection broke while Xendit answered: it may have acted, not a refusal.
  payment_provider_interrupted: "The payment provider's answer was cut off. Try again shortly.",
  // payment_provider_error when Xendit answered a charge with an error.
  payment_provider_refused_charge: "The payment provider did not accept the charge. Try again shortly.",
  // … a link of a reusable method (or its one-time code) with a server error (a refusal is a 409).
  payment_provider_refused_link: "The payment provider did not accept the link. Try again shortly.",
  // … an unlink with a refusal: the unlink's mark is cleared, the method is linked and charged as before.
  payment_provider_refused_unlink:
    "The payment provider refused to unlink the payment method, so it stays linked. Try again shortly.",
  // … an unlink with a server error: the method stays marked (never charged) and the billing pass finishes it.
  payment_provider_failed_unlink:
    "The payment provider answered the unlink with an error. The payment method " +
    "is not charged meanwhile; try again shortly.",
  // … a refund with a server error: the amount stays reserved and the billing pass asks again (same key).
  payment_provider_failed_refund:
    "The payment provider answered the refund with an error. The amount stays " +
    "reserved, and the refund is asked for again in about 15 minutes.",
  // … a call Xendit answered with 401/403: our API key was refused (rotated, revoked, the publishable one, without
  // the permission), not the call, which is never recorded as declined. Logged as an error each time
  // (xendit_<call>_credentials_refused), and it opens the billing pass's breaker for the account.
  // A charge: nothing was made or recorded, the checkout stays open.
  payment_provider_credentials_charge:
    "The payment provider refused this project's Xendit credentials (API key), so no charge was made and " +
    "nothing was paid. The checkout stays open; fix the project's Xendit keys, then try again.",
  // A link: failed as ours (credentials_refused), or an OTP's link still waiting; link again.
  payment_provider_credentials_link:
    "The payment provider refused this project's Xendit credentials (API key), so the payment method was " +
    "not linked. Fix the project's Xendit keys, then try again.",
  // An unlink: still marked (never charged), finished by the billing pass once the keys work.
  payment_provider_credentials_unlink:
    "The payment provider refused this project's Xendit credentials (API key), so the payment method is not " +
    "unlinked yet. It is not charged meanwhile, and the unlink is finished once the project's Xendit keys " +
    "are fixed.",
  // A refund: reserved and asked again by the billing pass.
  payment_provider_credentials_refund:
    "The payment provider refused this project's Xendit credentials (API key). The amount stays reserved, " +
    "and the refund is asked for again in about 15 minutes; fix the project's Xendit keys.",
  // … a refund past the deadline, never sent or cut off: reserved and asked again as well, so no "try again".
  payment_provider_timeout_refund:
    "The payment provider did not answer the refund in time. The amount stays " +
    "reserved, and the refund is asked for again in about 15 minutes.",
  payment_provider_unreachable_refund:
    "The payment provider could not be reached for the refund. The amount stays " +
    "reserved, and the refund is asked for again in about 15 minutes.",
  payment_provider_interrupted_refund:
    "The payment provider's answer to the refund was cut off. The amount stays " +
    "reserved, and the refund is asked for again in about 15 minutes.",
  // conflict from astapa.assert_chargeable (db/api/payments.sql), raised with these very words: a method chosen on
  // the checkout page is refused before Xendit is asked for the charge (api.checkout_to_charge).
  checkout_paid: "This checkout is already paid.",
  checkout_expired: "This checkout is already expired.",
  checkout_period_paid: "The period this checkout is for has already been paid.",
  checkout_no_period_to_renew:
    "This subscription was canceled or has ended: there is no period to renew. Buy the plan again.",
} as const satisfies Record<string, string>;

export type DescriptionKey = keyof typeof DESCRIPTIONS;

export type ErrorBody = {
  error: string;
  error_description: string;
  /** Field → problems, for validation failures. */
  fields?: Record<string, string[]>;
};

/**
 * A refusal's field messages as sentences for a page that does not show them beside its inputs (an alert, the
 * error page): each named by its field unless it names it already.
 */
export function fieldSentences(fields: Record<string, string[]> = {}): string[] {
  return Object.entries(fields).flatMap(([field, messages]) =>
    messages.map((message) => {
      const named = field === "(body)" || message.startsWith(`${field} `) ? message : `${field}: ${message}`;
      return /[.!?]$/.test(named) ? named : `${named}.`;
    })
  );
}

/** A failure the client should hear about, in catalogue terms. */
export class AppError extends Error {
  override name = "AppError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly description: string;
  readonly fields?: Record<string, string[]>;
  readonly headers?: Record<string, string>;
  /**
   * The zod issues `fields` were made of (lib/http/body.ts validate), for a page to word them in its language
   * (lib/dashboard/field_text.ts). Non-enumerable, and never in toBody: they carry the refused input.
   */
  declare readonly issues?: readonly z.core.$ZodIssue[];

  constructor(
    code: ErrorCode,
    options: {
      description?: string;
      fields?: Record<string, string[]>;
      issues?: readonly z.core.$ZodIssue[];
      headers?: Record<string, string>;
      /** Only where an RFC pins another status for the same code (WRONG_CLIENT_KIND). */
      status?: number;
      cause?: unknown;
    } = {},
  ) {
    super(options.description ?? ERRORS[code].message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? ERRORS[code].status;
    this.description = options.description ?? ERRORS[code].message;
    this.fields = options.fields;
    this.headers = options.headers;
    if (options.issues) Object.defineProperty(this, "issues", { value: options.issues, enumerable: false });
  }

  /** The JSON body API clients receive. */
  toBody(): ErrorBody {
    return {
      error: this.code,
      error_description: this.description,
      ...(this.fields ? { fields: this.fields } : {}),
    };
  }
}

/** Postgres SQLSTATEs that are the client's fault, and the catalogue code each becomes. */
const SQLSTATE_CODES: Record<string, ErrorCode> = {
  "23505": "conflict", // unique_violation
  "23503": "conflict", // foreign_key_violation
  "23514": "validation_failed", // check_violation
  "22P02": "invalid_request", // invalid_text_representation
  "22021": "invalid_request", // character_not_in_repertoire: a NUL byte, which text cannot hold
  "22001": "validation_failed", // string_data_right_truncation
  "42501": "forbidden", // insufficient_privilege
};

/**
 * Astapa's own SQLSTATEs, raised by `api.*` functions (class "AS", which Postgres leaves unused). Their
 * messages are written for the caller, so they become the error description.
 */
export const API_SQLSTATE_CODES: Record<string, ErrorCode> = {
  AS400: "validation_failed",
  AS403: "forbidden",
  AS404: "not_found",
  AS409: "conflict",
  AS4C9: "account_changed_during_sign_in", // astapa.claim_unproven_account: the other channel proven meanwhile
  AS4C0: "credentials_changed", // a password sign-in's hash is no longer the user's (astapa.lock_password_sign_in)
  AS4R0: "reconciliation_not_stopped", // api.resume_*_reconciliation of a charge or refund still reconciled
  AS4R1: "already_final", // … of a payment paid or expired, a refund succeeded or failed
  AS4F9: "organization_full", // astapa.assert_organization_seat: no free seat
  AS4V3: "email_unverified", // astapa.assert_invitation_acceptable: the invited address not confirmed yet
  AS4L0: "initiate_login_uri_missing", // api.send_password_reset: the project's client has no initiate_login_uri
  AS4W6: "webhook_endpoint_limit", // astapa.save_webhook_endpoint: the project has 16 endpoints
  AS4N0: "sign_up_refused", // astapa.assert_sign_up_allowed: sign-ups closed
  AS4N1: "sign_up_refused", // … by invitation only
  AS4N2: "sign_up_refused", // … the address's domain is not allowed (DETAIL: the domain)
  AS4N3: "sign_up_refused", // … a phone-only sign-up where sign-ups need an allowed address
  AS4N4: "sign_up_refused", // … a waitlist that has not approved the address
  AS4N5: "sign_up_refused", // … a disposable (throwaway) mail domain (DETAIL: the domain)
  AS4N6: "sign_up_refused", // … a subaddress (+, = or # in the local part)
  AS4N7: "legal_consent_required", // … the person did not agree to the terms (settings.sign_up.require_legal_consent)
  AS4A1: "guest_signed_up", // api.sign_up_guest: the id_token_hint's user is no longer a guest
  AS4A0: "anonymous_sign_ins_disabled", // api.sign_in_anonymously: settings.anonymous_users.enabled is not true
  AS4I0: "impersonated", // astapa.account_user: a sensitive change from a session an impersonation opened
  AS4E0: "sso_required", // astapa.assert_sso_not_required: the address signs in through its organization's IdP
  AS4E1: "sso_email_taken", // astapa.sso_linked_user: the IdP's new address for a person is another account's
  AS4E2: "email_managed_by_sso", // astapa.assert_email_not_sso_managed: the person may not change this address
  AS429: "rate_limited", // HINT: the seconds to wait, sent as Retry-After (api.send_test_webhook)
  // OAuth grant failures (RFC 6749 §5.2), raised by the token functions.
  AS4G0: "invalid_grant",
  AS4S0: "invalid_scope",
  AS4T0: "invalid_target",
  AS4U0: "unauthorized_client",
  AS4U3: "unauthorized_client", // a client of the wrong kind: answered with WRONG_CLIENT_KIND's 403
  AS4D0: "invalid_dpop_proof", // api.use_dpop_proof: the proof's jti was used before (RFC 9449 §11.1)
};

/** The status a known client of a kind the route does not accept hears with unauthorized_client. */
export const WRONG_CLIENT_KIND = 403;

/**
 * The database is down, restarting, switching primaries or full: the request may succeed later, so the client
 * hears 503 with Retry-After instead of a 500. (postgres.js and socket error codes, SQLSTATE classes 08, 57P,
 * 53300 and 25006 — a primary turned standby — and db/failover.ts's NO_PRIMARY and ROLLED_BACK.) Likewise a
 * transaction Postgres broke off three times in a row (40P01 deadlock, 40001 serialization failure; db/conflicts.ts
 * runs it again twice first): rolled back, nothing of it applied.
 */
const UNAVAILABLE =
  /^(CONNECT_TIMEOUT|CONNECTION_(CLOSED|ENDED|DESTROYED)|ECONNREFUSED|ECONNRESET|EPIPE|08...|57P0[1-3]|53300|25006|40001|40P01|NO_PRIMARY|ROLLED_BACK)$/;

/**
 * True for what reading a request's body throws when the client closed the connection before the body arrived
 * (Deno's BadResource: the connection is gone), whoever read it.
 */
export function closedMidBody(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource && /read body/i.test(error.message);
}

/** Maps any thrown value to an AppError; unknown failures become internal_error (keeping the cause). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (closedMidBody(error)) return new AppError("client_closed_request", { cause: error });
  if (error instanceof GrantRefused) return new AppError("invalid_grant", { description: error.message });
  const { code: sqlstate, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (sqlstate === "OUTCOME_UNKNOWN") {
    // db/failover.ts: COMMIT's answer was lost. Xendit and other retrying callers repeat the request, and the
    // operations they repeat are idempotent by key (payment events by provider id).
    return new AppError("outcome_unknown", { cause: error, headers: { "Retry-After": "5" } });
  }
  if (typeof sqlstate === "string" && UNAVAILABLE.test(sqlstate)) {
    return new AppError("service_unavailable", { cause: error, headers: { "Retry-After": "5" } });
  }
  if (typeof sqlstate === "string" && sqlstate in API_SQLSTATE_CODES) {
    const description = typeof message === "string" && message ? message : undefined;
    const fields = fieldsFromDetail((error as { detail?: unknown }).detail);
    const status = sqlstate === "AS4U3" ? WRONG_CLIENT_KIND : undefined;
    const hint = (error as { hint?: unknown }).hint;
    const headers = sqlstate === "AS429" && typeof hint === "string" && /^\d{1,6}$/.test(hint)
      ? { "Retry-After": hint }
      : undefined;
    return new AppError(API_SQLSTATE_CODES[sqlstate], { description, fields, status, headers, cause: error });
  }
  if (typeof sqlstate === "string" && sqlstate in SQLSTATE_CODES) {
    return new AppError(SQLSTATE_CODES[sqlstate], { cause: error });
  }
  return new AppError("internal_error", { cause: error });
}

/**
 * `api.*` functions name the fields at fault in DETAIL as JSON, {"field": ["problem", …]}
 * (astapa.raise_problems); anything else in DETAIL is not for the client.
 */
function fieldsFromDetail(detail: unknown): Record<string, string[]> | undefined {
  if (typeof detail !== "string" || !detail.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(detail);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed);
    const valid = entries.every(([, problems]) =>
      Array.isArray(problems) && problems.every((problem) => typeof problem === "string")
    );
    return valid && entries.length ? Object.fromEntries(entries) as Record<string, string[]> : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Linking and unlinking a customer's reusable method — e-wallet, direct debit (BRI, Mandiri) or card on file
 * (the card's own path, tokenised in the browser, is card_link.ts) —
 * for automatic renewal (docs/billing.md "Linked methods"): reserve the link in Postgres (api.start_method_link),
 * ask Xendit's Payment Method API through the unmodified xendit-node client (MULTIPLE_USE, reference_id = our
 * method id; the call takes no idempotency key, so a retry is a new link, which replaces the waiting one), record
 * the answer and send the customer to Xendit's AUTH page — or, for BRI, take the OTP on the portal
 * (confirmMethodOtp). The method becomes active when the payment_method.activated callback arrives
 * (lib/payments/method_callbacks.ts). A failure on our side once the link is reserved ends it failed, not
 * waiting (link_failures.ts). Unlinking marks it in Postgres, expires it at Xendit, then ends it in
 * Postgres — three steps, so no transaction is open while Xendit is asked.
 */
import { type AppContext, asApp } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import {
  applyMethodCallback,
  cancelMethodUnlink,
  type LinkedMethod,
  recordMethodLinkAnswer,
  requestMethodUnlink,
  startMethodLink,
  unlinkMethod,
  type UnlinkRequest,
} from "@/db/linked_methods.ts";
import { listLinkedMethods } from "@/db/linked_methods.ts";
import { AppError } from "../http/errors.ts";
import { log } from "../http/log.ts";
import { chooseXendit, type PaymentDeps, type ResolvedXendit, xenditAccount } from "./accounts.ts";
import { isCredentialsRefused, isRefusal, logCredentialsRefused, providerError } from "./provider_errors.ts";
import { asChargeError, type ChargeError, xenditClient } from "./xendit.ts";
import { linkCard } from "./card_link.ts";
import { failBrokenLink, linkFailure } from "./link_failures.ts";

export type LinkInput = {
  channel: string;
  mobileNumber?: string;
  successUrl: string;
  failureUrl: string;
  /** Direct debit from a BRI debit card: its last four digits, MM/YY expiry and the account's email. */
  debitCard?: { lastFour: string; expiry: string; email: string };
  /**
   * A card on file: the `pm-…` id Xendit.js made in the customer's browser with the project's publishable key
   * (lib/payments/card_link.ts). Astapa never receives the card number or CVN.
   */
  cardPaymentMethodId?: string;
};

/** Where the customer approves: a page (e-wallet, Mandiri, 3-D Secure), or a code sent to their phone (BRI). */
export type LinkNext = { kind: "page"; url: string } | { kind: "otp" };

/** xendit-node's createPaymentMethod data for the channel (MULTIPLE_USE; reference_id = our method id). */
function methodRequest(method: LinkedMethod, projectId: string, userId: string, input: LinkInput) {
  const common = {
    reusability: "MULTIPLE_USE" as const,
    country: "ID" as const,
    referenceId: method.method_id,
    description: `Automatic renewal (${method.channel})`,
    metadata: { project_id: projectId, sub: userId },
  };
  const returns = { successReturnUrl: input.successUrl, failureReturnUrl: input.failureUrl };
  if (method.channel === "BRI" || method.channel === "MANDIRI") {
    const debit = input.debitCard;
    return {
      ...common,
      type: "DIRECT_DEBIT" as const,
      directDebit: {
        channelCode: method.channel,
        channelProperties: {
          ...returns,
          ...(input.mobileNumber ? { mobileNumber: input.mobileNumber } : {}),
          ...(debit ? { cardLastFour: debit.lastFour, cardExpiry: debit.expiry, email: debit.email } : {}),
        },
      },
    };
  }
  return {
    ...common,
    type: "EWALLET" as const,
    ewallet: {
      // xendit-node's channel enum names the channels Xendit links; ours were checked in SQL.
      channelCode: method.channel as "OVO",
      channelProperties: { ...returns, ...(input.mobileNumber ? { mobileNumber: input.mobileNumber } : {}) },
    },
  };
}

/** Starts linking; answers the method (requires_action) and how the customer approves it. */
export async function linkMethod(
  deps: PaymentDeps,
  projectId: string,
  userId: string,
  input: LinkInput,
): Promise<{ method: LinkedMethod; authUrl: string; next: LinkNext }> {
  const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  const chosen = await chooseXendit(deps, projectId, project.mode);
  if (!chosen) throw new AppError("payments_not_configured");
  if (input.channel === "CARD") {
    if (!input.cardPaymentMethodId) throw new AppError("validation_failed");
    return await linkCard(
      deps,
      { projectId, userId, environment: project.mode },
      chosen,
      input.cardPaymentMethodId,
    );
  }
  if (input.channel === "BRI" && !input.debitCard) throw new AppError("validation_failed");
  const method = await asApp(deps.sql, projectId, (tx) =>
    startMethodLink(tx, projectId, userId, {
      channel: input.channel,
      mobile_number: input.mobileNumber,
      card_last_four: input.debitCard?.lastFour,
      xendit_account: chosen.account,
      environment: project.mode,
    }));
  try {
    return await askToLink(deps, chosen, method, projectId, userId, input);
  } catch (error) {
    // An AppError is an outcome askToLink recorded; anything else is ours (a bug, an answer we cannot read, the
    // database), which would leave the link waiting for an approval nobody can give.
    if (!(error instanceof AppError)) await failBrokenLink(deps, projectId, method.method_id, error);
    throw error;
  }
}

/** Asks Xendit for the reserved link and records its answer (linkMethod's second half). */
async function askToLink(
  deps: PaymentDeps,
  chosen: ResolvedXendit,
  method: LinkedMethod,
  projectId: string,
  userId: string,
  input: LinkInput,
): Promise<{ method: LinkedMethod; authUrl: string; next: LinkNext }> {
  let providerId: string;
  let action: { url?: string; urlType?: string } | undefined;
  try {
    const xendit = await xenditClient(chosen.connection);
    const created = await xendit.PaymentMethod.createPaymentMethod({
      data: methodRequest(method, projectId, userId, input),
    });
    providerId = created.id;
    action = created.actions?.find((a) => a.action === "AUTH") ?? undefined;
  } catch (error) {
    const failure = asChargeError(error);
    await asApp(
      deps.sql,
      projectId,
      (tx) => recordMethodLinkAnswer(tx, projectId, method.method_id, { failure: linkFailure(failure) }),
    );
    if (isCredentialsRefused(failure)) {
      logCredentialsRefused("link", failure, { project_id: projectId, method_id: method.method_id });
    }
    if (!isRefusal(failure)) throw providerError(failure, "link");
    throw new AppError("conflict", { description: `Xendit refused the link: ${failure.message}` });
  }
  const recorded = await asApp(
    deps.sql,
    projectId,
    (tx) => recordMethodLinkAnswer(tx, projectId, method.method_id, { provider_id: providerId }),
  );
  if (!action?.url) {
    throw new AppError("payment_provider_error", { description: "Xendit gave no way to approve the link." });
  }
  // An API action is the OTP step (BRI): the customer types the code on our page, we post it to Xendit.
  const next: LinkNext = action.urlType === "API" ? { kind: "otp" } : { kind: "page", url: action.url };
  return { method: recorded, authUrl: action.url, next };
}

/**
 * Confirms a direct-debit link with the one-time code the bank sent (Xendit's POST …/auth). Xendit's answer
 * (ACTIVE) is applied at once, like the payment_method.activated callback that follows, which then changes
 * nothing. A wrong code is a conflict: the link keeps waiting and the customer may try again.
 */
export async function confirmMethodOtp(
  deps: PaymentDeps,
  projectId: string,
  userId: string,
  methodId: string,
  code: string,
): Promise<LinkedMethod> {
  const method = (await asApp(deps.sql, projectId, (tx) => listLinkedMethods(tx, projectId, userId)))
    .find((m) => m.method_id === methodId);
  if (!method?.provider_id || method.status !== "requires_action") throw new AppError("not_found");
  const account = await xenditAccount(deps, projectId, method.environment, method.xendit_account);
  if (!account) throw new AppError("payments_not_configured");
  let status: string | undefined;
  try {
    const xendit = await xenditClient(account.connection);
    const answered = await xendit.PaymentMethod.authPaymentMethod({
      paymentMethodId: method.provider_id,
      data: { authCode: code },
    });
    status = answered.status;
  } catch (error) {
    const failure = asChargeError(error);
    // Our key refused, not the code: the link keeps waiting for the same code once the keys are fixed.
    if (isCredentialsRefused(failure)) {
      logCredentialsRefused("link", failure, { project_id: projectId, method_id: methodId });
    }
    if (!isRefusal(failure)) throw providerError(failure, "link");
    throw new AppError("conflict", { description: `Xendit refused the code: ${failure.message}` });
  }
  if (status !== "ACTIVE") return method;
  const applied = await asApp(deps.sql, projectId, (tx) =>
    applyMethodCallback(tx, projectId, methodId, {
      event: "payment_method.activated",
      provider_id: method.provider_id!,
    }));
  const { changed: _changed, ...active } = applied;
  return active;
}

/**
 * Unlinks one of the user's methods: expired at Xendit (when it got that far), then never charged again. Three
 * steps, each with its own short transaction as `context`'s actor (the audit names who asked): mark the method
 * (api.request_method_unlink), ask Xendit with no transaction open, end it (api.unlink_method). A stalled Xendit
 * so holds neither a pooled connection nor the method's row. Marked, the method is not charged, and Xendit's
 * expiry callback, should it come first, records this unlink as the same actor.
 */
export async function unlinkUserMethod(
  deps: PaymentDeps,
  projectId: string,
  userId: string,
  methodId: string,
  context: AppContext,
): Promise<LinkedMethod> {
  const requested = await asApp(
    deps.sql,
    projectId,
    (tx) => requestMethodUnlink(tx, projectId, userId, methodId),
    context,
  );
  return await finishUnlink(deps, projectId, userId, requested, context);
}

/**
 * The rest of an unlink once its method is marked (requestMethodUnlink, in the caller's transaction — which must
 * have ended): expire it at Xendit, then end it here. When Xendit answers with a refusal the mark is cleared and
 * the method stays linked; with no answer (timeout, unreachable, 5xx, 429) or our API key refused (401/403) it
 * stays marked — not charged, and ended by Xendit's expiry callback if Xendit did expire it, by unlinking again,
 * or by the billing pass once the unlink has stalled for the window (stalled_unlinks.ts).
 */
export async function finishUnlink(
  deps: PaymentDeps,
  projectId: string,
  userId: string,
  requested: UnlinkRequest,
  context: AppContext,
): Promise<LinkedMethod> {
  const done = await completeUnlink(deps, projectId, userId, requested, context);
  if (done.outcome !== "unlinked") throw providerError(done.failure, "unlink");
  return done.method;
}

/**
 * How an unlink's call to Xendit ended: unlinked here, kept linked (Xendit refused), or still marked — no answer,
 * or our API key refused (which says nothing of the method: it is expired once the keys are fixed).
 */
export type UnlinkOutcome =
  | { outcome: "unlinked"; method: LinkedMethod }
  | { outcome: "kept" | "unanswered" | "key_refused"; failure: ChargeError };

/** Steps 2 and 3 of an unlink (finishUnlink's, and the billing pass's for a stalled one), as an outcome. */
export async function completeUnlink(
  deps: PaymentDeps,
  projectId: string,
  userId: string,
  requested: UnlinkRequest,
  context: AppContext,
): Promise<UnlinkOutcome> {
  const methodId = requested.method_id;
  const failure = requested.expire_at_xendit ? await expireAtXendit(deps, projectId, requested) : null;
  if (!failure) {
    const method = await asApp(
      deps.sql,
      projectId,
      (tx) => unlinkMethod(tx, projectId, userId, methodId),
      context,
    );
    return { outcome: "unlinked", method };
  }
  if (isCredentialsRefused(failure)) return { outcome: "key_refused", failure };
  // A refusal is a "no": the method stays linked. No answer is not one: Xendit may have expired it.
  if (isRefusal(failure) && requested.unlink_requested_at) {
    const markedAt = requested.unlink_requested_at;
    const method = await asApp(
      deps.sql,
      projectId,
      (tx) => cancelMethodUnlink(tx, projectId, userId, methodId, markedAt),
      context,
    );
    // Ended all the same: a claim's unlink (api.cancel_method_unlink), or Xendit's expiry callback came first.
    if (method.status === "expired") return { outcome: "unlinked", method };
    return { outcome: "kept", failure };
  }
  return { outcome: "unanswered", failure };
}

/** Asks Xendit to expire a linked method: null when done (already expired or gone there counts), else why not. */
async function expireAtXendit(
  deps: PaymentDeps,
  projectId: string,
  method: LinkedMethod,
): Promise<ChargeError | null> {
  // Without the keys that linked it, Xendit cannot be asked, and nothing can charge the method either.
  const account = await xenditAccount(deps, projectId, method.environment, method.xendit_account);
  if (!account) return null;
  try {
    const xendit = await xenditClient(account.connection);
    await xendit.PaymentMethod.expirePaymentMethod({ paymentMethodId: method.provider_id! });
    return null;
  } catch (error) {
    const failure = asChargeError(error);
    // Already expired or gone at Xendit: unlinked there, so unlink here too. Anything else: keep it linked.
    if (failure.status === 404 || failure.status === 409 || failure.status === 400) return null;
    const fields = { project_id: projectId, method_id: method.method_id };
    if (isCredentialsRefused(failure)) logCredentialsRefused("unlink", failure, fields);
    else log("warn", "xendit_unlink_failed", { ...fields, code: failure.code });
    return failure;
  }
}

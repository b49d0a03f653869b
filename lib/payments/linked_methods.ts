/**
 * Linking and unlinking a customer's e-wallet for automatic renewal (docs/billing.md "Linked methods"): reserve
 * the link in Postgres (api.start_method_link), ask Xendit's Payment Method API through the unmodified
 * xendit-node client (MULTIPLE_USE, reference_id = our method id; the call takes no idempotency key, so a
 * retry is a new link, which replaces the waiting one), record the answer and send the customer to Xendit's
 * AUTH page. The method becomes active when the payment_method.activated callback arrives
 * (lib/payments/method_callbacks.ts). Unlinking expires it at Xendit first, then in Postgres.
 */
import { asApp } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import {
  type LinkedMethod,
  recordMethodLinkAnswer,
  startMethodLink,
  unlinkMethod,
} from "@/db/linked_methods.ts";
import { listLinkedMethods } from "@/db/linked_methods.ts";
import { AppError } from "../http/errors.ts";
import { log } from "../http/log.ts";
import { chooseXendit, type PaymentDeps, xenditAccount } from "./accounts.ts";
import { asChargeError, xenditClient } from "./xendit.ts";

export type LinkInput = { channel: string; mobileNumber?: string; successUrl: string; failureUrl: string };

/** Starts linking; answers the method (requires_action) and the URL where the customer approves it. */
export async function linkMethod(
  deps: PaymentDeps,
  projectId: string,
  userId: string,
  input: LinkInput,
): Promise<{ method: LinkedMethod; authUrl: string }> {
  const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  const chosen = await chooseXendit(deps, projectId, project.mode);
  if (!chosen) throw new AppError("payments_not_configured");
  const method = await asApp(deps.sql, projectId, (tx) =>
    startMethodLink(tx, projectId, userId, {
      channel: input.channel,
      mobile_number: input.mobileNumber,
      xendit_account: chosen.account,
      environment: project.mode,
    }));
  let providerId: string;
  let authUrl: string | undefined;
  try {
    const xendit = await xenditClient(chosen.connection);
    const created = await xendit.PaymentMethod.createPaymentMethod({
      data: {
        type: "EWALLET",
        reusability: "MULTIPLE_USE",
        country: "ID",
        referenceId: method.method_id,
        description: `Automatic renewal (${method.channel})`,
        metadata: { project_id: projectId, sub: userId },
        ewallet: {
          // xendit-node's channel enum names the channels Xendit links; ours were checked in SQL.
          channelCode: method.channel as "OVO",
          channelProperties: {
            successReturnUrl: input.successUrl,
            failureReturnUrl: input.failureUrl,
            ...(input.mobileNumber ? { mobileNumber: input.mobileNumber } : {}),
          },
        },
      },
    });
    providerId = created.id;
    authUrl = created.actions?.find((a) => a.action === "AUTH")?.url ?? undefined;
  } catch (error) {
    const failure = asChargeError(error);
    await asApp(deps.sql, projectId, (tx) =>
      recordMethodLinkAnswer(tx, projectId, method.method_id, {
        failure: `${failure.code}: ${failure.message}`,
      }));
    if (failure.status === null || failure.status >= 500) {
      throw new AppError("payment_provider_error", { cause: error });
    }
    throw new AppError("conflict", { description: `Xendit refused the link: ${failure.message}` });
  }
  const recorded = await asApp(
    deps.sql,
    projectId,
    (tx) => recordMethodLinkAnswer(tx, projectId, method.method_id, { provider_id: providerId }),
  );
  if (!authUrl) {
    throw new AppError("payment_provider_error", { description: "Xendit gave no page to approve the link." });
  }
  return { method: recorded, authUrl };
}

/**
 * Unlinks one of the user's methods: expired at Xendit (when it got that far), then never charged again.
 * `record` unlinks it here; the dashboard passes its own transaction's so the audit names the developer.
 */
export async function unlinkUserMethod(
  deps: PaymentDeps,
  projectId: string,
  userId: string,
  methodId: string,
  record: (methodId: string) => Promise<LinkedMethod> = (id) =>
    asApp(deps.sql, projectId, (tx) => unlinkMethod(tx, projectId, userId, id)),
): Promise<LinkedMethod> {
  const method = (await asApp(deps.sql, projectId, (tx) => listLinkedMethods(tx, projectId, userId)))
    .find((m) => m.method_id === methodId);
  if (method?.provider_id) {
    // Without the keys that linked it, Xendit cannot be asked, and nothing can charge the method either.
    const account = await xenditAccount(deps, projectId, method.environment, method.xendit_account);
    if (account) {
      try {
        const xendit = await xenditClient(account.connection);
        await xendit.PaymentMethod.expirePaymentMethod({ paymentMethodId: method.provider_id });
      } catch (error) {
        const failure = asChargeError(error);
        // Already expired or gone at Xendit: unlinked there, so unlink here too. Anything else: keep it linked.
        if (failure.status !== 404 && failure.status !== 409 && failure.status !== 400) {
          log("warn", "xendit_unlink_failed", { project_id: projectId, method_id: methodId });
          throw new AppError("payment_provider_error", { cause: error });
        }
      }
    }
  }
  return await record(methodId);
}

/**
 * Cards on file without the card number touching Astapa (docs/billing.md "Cards on file"). The portal's card
 * island loads Xendit.js (cardTokenizer: Xendit's CDN, or the simulator's copy in the sandbox and in tests) with
 * the account's publishable key, and Xendit.js makes a MULTIPLE_USE CARD payment method (cardonfile_type
 * RECURRING) straight at Xendit. The portal posts only its `pm-…` id; linkCard reads that method back with the
 * secret key (xendit-node's getPaymentMethodByID), checks it is a waiting reusable recurring card nobody claimed,
 * reserves our row with the last four and network Xendit returns, names it with our method id (PATCH
 * reference_id, which Xendit's payment_method.* callbacks carry) and sends the customer to 3-D Secure. Renewals
 * then charge it merchant-initiated, like any linked method.
 */
import { asApp } from "@/db/client.ts";
import {
  type LinkedMethod,
  recordMethodLinkAnswer,
  startMethodLink,
  xenditPublicKey,
} from "@/db/linked_methods.ts";
import { AppError } from "../http/errors.ts";
import { chooseXendit, type PaymentDeps, type ResolvedXendit } from "./accounts.ts";
import { isCredentialsRefused, isRefusal, logCredentialsRefused, providerError } from "./provider_errors.ts";
import { asChargeError, ChargeError, xenditClient } from "./xendit.ts";
import { simulatorPublicKey } from "./xendit_simulator/xendit_js.ts";
import { failBrokenLink, LINK_KEY_REFUSED_FAILURE } from "./link_failures.ts";

/** What the card island needs: where Xendit.js comes from, the key it uses, and the origins the page allows. */
export type CardTokenizer = { scriptUrl: string; publicKey: string; origins: string[] };

const XENDIT_API = "https://api.xendit.co";

/** How this project's cards are tokenised, or null when its account has no publishable key (cards not offered). */
export async function cardTokenizer(
  deps: PaymentDeps,
  projectId: string,
  environment: "sandbox" | "production",
): Promise<CardTokenizer | null> {
  const chosen = await chooseXendit(deps, projectId, environment);
  if (!chosen) return null;
  const { config } = deps;
  if (chosen.account === "simulator") {
    const base = deps.xenditSandbox.baseUrl;
    return {
      scriptUrl: `${base}/js/v3/xendit.min.js`,
      publicKey: simulatorPublicKey(projectId),
      origins: [new URL(base).origin],
    };
  }
  const publicKey = chosen.account === "deployment"
    ? config.xendit.publicKey
    : await asApp(deps.sql, projectId, (tx) => xenditPublicKey(tx, projectId, environment));
  if (!publicKey) return null;
  const origins = [new URL(config.xendit.jsUrl).origin, new URL(config.xendit.baseUrl ?? XENDIT_API).origin];
  return { scriptUrl: config.xendit.jsUrl, publicKey, origins: [...new Set(origins)] };
}

/** The `pm-…` ids Xendit makes (what the portal form may carry; anything else is refused before Xendit). */
export const CARD_METHOD_ID = /^pm-[A-Za-z0-9-]{8,80}$/;

type Owner = { projectId: string; userId: string; environment: "sandbox" | "production" };

/** Links the card method Xendit.js made; answers our row (requires_action) and the 3-D Secure page. */
export async function linkCard(
  deps: PaymentDeps,
  owner: Owner,
  chosen: ResolvedXendit,
  paymentMethodId: string,
): Promise<{ method: LinkedMethod; authUrl: string; next: { kind: "page"; url: string } }> {
  const { projectId, userId } = owner;
  if (!CARD_METHOD_ID.test(paymentMethodId)) throw new AppError("validation_failed");
  const xendit = await xenditClient(chosen.connection);
  const refused = (why: string) =>
    new AppError("conflict", { description: `This card cannot be linked: ${why}` });
  const ask = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      const failure = asChargeError(error);
      if (isCredentialsRefused(failure)) {
        logCredentialsRefused("link", failure, { project_id: projectId, payment_method_id: paymentMethodId });
      }
      if (!isRefusal(failure)) throw providerError(failure, "link");
      throw refused(failure.message);
    }
  };
  const pm = await ask(() => xendit.PaymentMethod.getPaymentMethodByID({ paymentMethodId }));
  const info = pm.card?.cardInformation;
  // Only a fresh reusable recurring card nobody has claimed: a method id seen elsewhere cannot be taken over.
  if (pm.type !== "CARD" || pm.reusability !== "MULTIPLE_USE") throw refused("not a reusable card.");
  if (pm.card?.channelProperties?.cardonfileType !== "RECURRING") throw refused("not a recurring card.");
  if (pm.status !== "REQUIRES_ACTION" || pm.referenceId) throw refused("already used.");
  const lastFour = info?.maskedCardNumber?.slice(-4) ?? "";
  if (!/^\d{4}$/.test(lastFour)) throw refused("Xendit gave no card number ending.");
  const action = pm.actions?.find((a) => a.action === "AUTH");
  if (!action?.url) {
    throw new AppError("payment_provider_error", { description: "Xendit gave no way to approve the card." });
  }
  const method = await asApp(deps.sql, projectId, (tx) =>
    startMethodLink(tx, projectId, userId, {
      channel: "CARD",
      card_last_four: lastFour,
      card_network: /^[A-Z_]{2,20}$/.test(info?.network ?? "") ? info!.network : "CARD",
      xendit_account: chosen.account,
      environment: owner.environment,
    }));
  try {
    await ask(() =>
      xendit.PaymentMethod.patchPaymentMethod({
        paymentMethodId,
        data: { referenceId: method.method_id, description: "Automatic renewal (CARD)" },
      })
    );
  } catch (error) {
    // Xendit's refusal or silence (an AppError from ask) is the link's failure; anything else is ours.
    if (!(error instanceof AppError)) {
      await failBrokenLink(deps, projectId, method.method_id, error);
      throw error;
    }
    await asApp(
      deps.sql,
      projectId,
      (tx) => recordMethodLinkAnswer(tx, projectId, method.method_id, { failure: toText(error) }),
    );
    throw error;
  }
  const recorded = await asApp(
    deps.sql,
    projectId,
    (tx) => recordMethodLinkAnswer(tx, projectId, method.method_id, { provider_id: paymentMethodId }),
  );
  return { method: recorded, authUrl: action.url, next: { kind: "page", url: action.url } };
}

/** The failure the link records: the AppError's words, or ours when Xendit refused the key (not the card). */
function toText(error: AppError): string {
  const keyRefused = error.cause instanceof ChargeError && isCredentialsRefused(error.cause);
  return keyRefused ? LINK_KEY_REFUSED_FAILURE : error.message.slice(0, 200);
}

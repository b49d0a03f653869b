/** Typed wrappers around the linked-method functions in `api` (db/api/linked_methods.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { XenditAccountSchema } from "./payments.ts";
import { result } from "./result.ts";

export const LINK_CHANNELS = ["OVO", "DANA", "SHOPEEPAY", "GOPAY", "BRI", "MANDIRI", "CARD"] as const;
/** Channels linked as direct debit from a bank account or debit card; CARD is a card on file. */
export const DIRECT_DEBIT_CHANNELS = ["BRI", "MANDIRI"] as const;
export type LinkChannel = typeof LINK_CHANNELS[number];

export const LinkedMethodSchema = z.object({
  method_id: z.string(),
  sub: z.string(),
  channel: z.enum(LINK_CHANNELS),
  label: z.string(),
  status: z.enum(["requires_action", "active", "failed", "expired"]),
  provider_id: z.string().nullable(),
  failure_code: z.string().nullable(),
  environment: z.enum(["sandbox", "production"]),
  xendit_account: XenditAccountSchema,
  created_at: z.string(),
  activated_at: z.string().nullable(),
  updated_at: z.string(),
  /** Live: an unlink is under way since then (not charged meanwhile). Ended: when the unlink that ended it began. */
  unlink_requested_at: z.string().nullable(),
});
export type LinkedMethod = z.infer<typeof LinkedMethodSchema>;

export type LinkStart = {
  channel: string;
  mobile_number?: string;
  /** Direct debit (BRI) and cards: the last four digits only, and the card's network for the label. */
  card_last_four?: string;
  card_network?: string;
  xendit_account: z.infer<typeof XenditAccountSchema>;
  environment: "sandbox" | "production";
};

/** Reserves a link (requires_action); the caller then asks Xendit's Payment Method API. */
export function startMethodLink(
  tx: Tx,
  projectId: string,
  userId: string,
  link: LinkStart,
): Promise<LinkedMethod> {
  return result(
    tx`select api.start_method_link(${projectId}, ${userId}::bigint, ${
      JSON.stringify(link)
    }::text::jsonb) as result`,
    LinkedMethodSchema,
  );
}

/** Records Xendit's answer to a link: accepted ({provider_id}) or refused ({failure}). */
export function recordMethodLinkAnswer(
  tx: Tx,
  projectId: string,
  methodId: string,
  answer: { provider_id: string } | { failure: string },
): Promise<LinkedMethod> {
  return result(
    tx`select api.record_method_link_answer(${projectId}, ${methodId}, ${
      JSON.stringify(answer)
    }::text::jsonb) as result`,
    LinkedMethodSchema,
  );
}

const MethodAccountSchema = z.object({
  project_id: z.string(),
  environment: z.enum(["sandbox", "production"]),
  xendit_account: XenditAccountSchema,
}).nullable();

/** Whose method a payment_method.* callback names (runs with no project set), or null. */
export function linkedMethodAccount(tx: Tx, methodId: string): Promise<z.infer<typeof MethodAccountSchema>> {
  return result(tx`select api.linked_method_account(${methodId}) as result`, MethodAccountSchema);
}

export type MethodCallback = {
  event: string;
  provider_id: string;
  failure_code?: string | null;
};

/** Applies a payment_method.* callback (forward-only; `changed` says whether it moved the status). */
export function applyMethodCallback(
  tx: Tx,
  projectId: string,
  methodId: string,
  callback: MethodCallback,
): Promise<LinkedMethod & { changed: boolean }> {
  return result(
    tx`select api.apply_method_callback(${projectId}, ${methodId}, ${
      JSON.stringify(callback)
    }::text::jsonb) as result`,
    LinkedMethodSchema.extend({ changed: z.boolean() }),
  );
}

/** A user's active and waiting linked methods, newest first. */
export function listLinkedMethods(tx: Tx, projectId: string, userId: string): Promise<LinkedMethod[]> {
  return result(
    tx`select api.list_linked_methods(${projectId}, ${userId}::bigint) as result`,
    z.array(LinkedMethodSchema),
  );
}

/** An unlink under way: the method marked, and whether Xendit must expire it first (api.request_method_unlink). */
export const UnlinkRequestSchema = LinkedMethodSchema.extend({
  expire_at_xendit: z.boolean(),
});
export type UnlinkRequest = z.infer<typeof UnlinkRequestSchema>;

/** An unlink that stalled, taken by the billing pass to finish (api.next_stalled_unlink). */
export const StalledUnlinkSchema = UnlinkRequestSchema.extend({ unlink_actor: z.string() });
export type StalledUnlink = z.infer<typeof StalledUnlinkSchema>;

/** The next unlink whose last try is `staleSeconds` old (stamped as tried at `now`), or null. */
export function nextStalledUnlink(
  tx: Tx,
  projectId: string,
  now: Date,
  staleSeconds: number,
): Promise<StalledUnlink | null> {
  return result(
    tx`select api.next_stalled_unlink(${projectId}, ${now.toISOString()}::timestamptz, ${staleSeconds})
       as result`,
    StalledUnlinkSchema.nullable(),
  );
}

/** Marks one of a user's live methods as being unlinked by the current actor: never charged from now on. */
export function requestMethodUnlink(
  tx: Tx,
  projectId: string,
  userId: string,
  methodId: string,
): Promise<UnlinkRequest> {
  return result(
    tx`select api.request_method_unlink(${projectId}, ${userId}::bigint, ${methodId}) as result`,
    UnlinkRequestSchema,
  );
}

/** Clears this unlink's mark (Xendit refused to expire the method): linked and chargeable again. */
export function cancelMethodUnlink(
  tx: Tx,
  projectId: string,
  userId: string,
  methodId: string,
  requestedAt: string,
): Promise<LinkedMethod> {
  return result(
    tx`select api.cancel_method_unlink(${projectId}, ${userId}::bigint, ${methodId}, ${requestedAt}::text::timestamptz)
       as result`,
    LinkedMethodSchema,
  );
}

/** Ends an unlink (after the method was expired at Xendit), audited as the actor who asked for it. */
export function unlinkMethod(
  tx: Tx,
  projectId: string,
  userId: string,
  methodId: string,
): Promise<LinkedMethod> {
  return result(
    tx`select api.unlink_method(${projectId}, ${userId}::bigint, ${methodId}) as result`,
    LinkedMethodSchema,
  );
}

/** Stores (null: removes) the publishable key of the project's own Xendit account (api.set_xendit_public_key). */
export async function setXenditPublicKey(
  tx: Tx,
  projectId: string,
  environment: string,
  publicKey: string | null,
): Promise<void> {
  await tx`select api.set_xendit_public_key(${projectId}, ${environment}, ${publicKey})`;
}

/** The publishable key of the project's own Xendit account for an environment, or null. */
export async function xenditPublicKey(
  tx: Tx,
  projectId: string,
  environment: string,
): Promise<string | null> {
  const [row] = await tx`select api.xendit_public_key(${projectId}, ${environment}) as result`;
  return z.string().nullable().parse(row.result);
}

/** Typed wrappers for the dashboard's audit log and mail outbox listings (db/api/dashboard.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  /** The developer's email when the actor is account:<id>. */
  actor_email: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.json()),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** actor (exact, or a developer's email), action (exact, or a prefix ending in "."), user (a sub). */
export type AuditFilters = { actor?: string; action?: string; user?: string };

export const MailStatusSchema = z.enum(["queued", "sent", "failed"]);
export type MailStatus = z.infer<typeof MailStatusSchema>;

export const OutboxMailSchema = z.object({
  id: z.string(),
  to: z.string(),
  kind: z.string(),
  locale: z.string().nullable(),
  status: MailStatusSchema,
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
});
export type OutboxMail = z.infer<typeof OutboxMailSchema>;

/** A page of the audit log, newest first, before the entry `beforeId`. */
export function listAudit(
  tx: Tx,
  projectId: string,
  page: { filters?: AuditFilters; beforeId?: string; size: number },
): Promise<AuditEntry[]> {
  const filters = JSON.stringify(page.filters ?? {});
  return result(
    tx`select api.list_audit(${projectId}, ${filters}::text::jsonb, ${page.beforeId ?? null}::bigint,
      ${page.size}) as result`,
    z.array(AuditEntrySchema),
  );
}

/** A page of the outbox without bodies, newest first, before `beforeId`, optionally of one status. */
export function listMailOutbox(
  tx: Tx,
  projectId: string,
  page: { status?: MailStatus; beforeId?: string; size: number },
): Promise<OutboxMail[]> {
  return result(
    tx`select api.list_mail_outbox(${projectId}, ${page.status ?? null}::text, ${
      page.beforeId ?? null
    }::bigint,
      ${page.size}) as result`,
    z.array(OutboxMailSchema),
  );
}

export const InboxMailSchema = z.object({
  id: z.string(),
  to: z.string(),
  kind: z.string(),
  subject: z.string(),
  text: z.string(),
  locale: z.string().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
});
export type InboxMail = z.infer<typeof InboxMailSchema>;

/** A sandbox project's newest sandbox mail with its text (api.sandbox_inbox; AS409 in production). */
export function sandboxInbox(tx: Tx, projectId: string, size = 20): Promise<InboxMail[]> {
  return result(tx`select api.sandbox_inbox(${projectId}, ${size}) as result`, z.array(InboxMailSchema));
}

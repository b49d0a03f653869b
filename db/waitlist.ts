/** Typed wrappers around the sign-up waitlist's functions (db/api/waitlist.sql). */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";
import { type Project, ProjectSchema } from "./projects.ts";
import type { FailureBucket } from "./client_authentication.ts";

export const WaitlistStatusSchema = z.enum(["waiting", "approved", "declined"]);
export type WaitlistStatus = z.infer<typeof WaitlistStatusSchema>;

export const WaitlistEntrySchema = z.object({
  id: z.string(),
  email: z.string(),
  status: WaitlistStatusSchema,
  environment: z.enum(["sandbox", "production"]),
  lang: z.enum(["en", "id"]).nullable().describe(
    "The hosted page's language when the address joined; null for entries from before it was kept (the approval " +
      "mail then goes in English and Indonesian).",
  ),
  created_at: z.string(),
  decided_at: z.string().nullable(),
});
export type WaitlistEntry = z.infer<typeof WaitlistEntrySchema>;

export const WaitlistPageSchema = z.object({
  entries: z.array(WaitlistEntrySchema),
  next_before: z.string().nullable(),
});
export type WaitlistPage = z.infer<typeof WaitlistPageSchema>;

/** The approval mail without its address (SQL sends it to the entry's own). */
export type ApprovalMail = { template: string; subject: string; text: string; html?: string };

/** The approval mail, and the hash of its /auth/start link's token when it has one (api.pending_login). */
export type Approval = { mail: ApprovalMail; startTokenHash: Uint8Array | null };

/**
 * An address joins the project's waitlist from the hosted sign-up page, in the page's language, counted in the
 * form's lockout buckets: 0, or the seconds to wait (nothing written) — the same whatever the address's state.
 */
export async function joinWaitlist(
  sql: Sql,
  projectId: string,
  join: { email: string; lang: "en" | "id"; buckets: FailureBucket[] },
): Promise<number> {
  return await asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.join_waitlist(${join.email}, ${join.lang}, ${
      tx.json(join.buckets)
    }) as wait`;
    return row.wait as number;
  }, { actor: "hosted_login" });
}

/** A page of the project's waitlist (current environment), newest first. */
export function listWaitlist(
  tx: Tx,
  page: { status?: WaitlistStatus; before?: string; limit?: number },
): Promise<WaitlistPage> {
  return result(
    tx`select api.list_waitlist(${page.status ?? null}, ${page.before ?? null}, ${
      page.limit ?? 50
    }) as result`,
    WaitlistPageSchema,
  );
}

/**
 * Approves an entry and queues the mail `mailFor` writes for it (its address, its language) and its project
 * (null: no mail, as when the project has no redirect URI to link to); an unknown entry is AS404 from SQL.
 */
export async function approveWaitlistEntry(
  tx: Tx,
  projectId: string,
  id: string,
  mailFor: (entry: WaitlistEntry, project: Project) => Promise<Approval | null>,
): Promise<WaitlistEntry> {
  const [found] =
    await tx`select api.waitlist_entry(${id}) as entry, api.get_project(${projectId}) as project`;
  const approval = found.entry
    ? await mailFor(WaitlistEntrySchema.parse(found.entry), ProjectSchema.parse(found.project))
    : null;
  return await result(
    tx`select api.approve_waitlist_entry(${id}, ${approval ? tx.json(approval.mail) : null}, ${
      approval?.startTokenHash ?? null
    }) as result`,
    WaitlistEntrySchema,
  );
}

/** Declines an entry (no mail); an unknown entry is AS404 from SQL. */
export function declineWaitlistEntry(tx: Tx, id: string): Promise<WaitlistEntry> {
  return result(tx`select api.decline_waitlist_entry(${id}) as result`, WaitlistEntrySchema);
}

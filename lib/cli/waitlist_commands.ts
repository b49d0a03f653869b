/** `astapa waitlist …`: a project's sign-up waitlist (settings.sign_up.mode waitlist): list, approve, decline. */
import { asApp, type Sql } from "@/db/client.ts";
import type { Config } from "@/config.ts";
import {
  approveWaitlistEntry,
  declineWaitlistEntry,
  listWaitlist,
  type WaitlistEntry,
  WaitlistStatusSchema,
} from "@/db/waitlist.ts";
import { waitlistApproval } from "../waitlist/approval_mail.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const WAITLIST_USAGE = `  waitlist list --project ID [--status waiting|approved|declined]
                             the waitlist of the project's current environment, newest first (100)
  waitlist approve|decline --project ID ENTRY
                             approve (mails the sign-up link) or decline (no mail) one entry (wle_…)`;

const CLI = { actor: "cli" };

const line = (e: WaitlistEntry) => `${e.id}  ${e.status.padEnd(8)}  ${e.created_at}  ${e.email}`;

export async function waitlistCommand(
  sql: Sql,
  args: ParsedArgs,
  out: Output,
  config: Config,
): Promise<number> {
  const action = args.positionals[1];
  switch (action) {
    case "list": {
      allowFlags(args, ["project", "status"]);
      operands(args, 2, []);
      const project = flag(args, "project", true);
      const status = flag(args, "status");
      const parsed = status === undefined ? undefined : WaitlistStatusSchema.safeParse(status);
      if (parsed && !parsed.success) throw new UsageError(`--status must be waiting, approved or declined`);
      const page = await asApp(
        sql,
        project,
        (tx) => listWaitlist(tx, { status: parsed?.data, limit: 100 }),
        CLI,
      );
      out.result(page, page.entries.map(line).join("\n") || "Nobody is on the waitlist.");
      return 0;
    }
    case "approve":
    case "decline": {
      allowFlags(args, ["project"]);
      const project = flag(args, "project", true);
      const [id] = operands(args, 2, ["ENTRY"]);
      const entry = await asApp(
        sql,
        project,
        (tx) =>
          action === "approve"
            ? approveWaitlistEntry(
              tx,
              project,
              id,
              (entry, p) => waitlistApproval(config.baseUrl, p, entry),
            )
            : declineWaitlistEntry(tx, id),
        CLI,
      );
      out.result(entry, `${entry.email} is ${entry.status}.`);
      return 0;
    }
  }
  throw new UsageError(`Unknown waitlist command "${action ?? ""}"`);
}

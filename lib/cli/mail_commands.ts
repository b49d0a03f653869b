/** `astapa mail list`: the outbox, for operators without SMTP (or checking what was sent). */
import { asApp, type Sql } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { allowFlags, flag, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const MAIL_USAGE = `  mail list --project ID [--limit N]
                             a project's newest mail (sent or waiting), newest first`;

export async function mailCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  if (args.positionals[1] !== "list") {
    throw new UsageError(`Unknown mail command "${args.positionals[1] ?? ""}"`);
  }
  allowFlags(args, ["project", "limit"]);
  const project = flag(args, "project", true);
  const limit = Number(flag(args, "limit") ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError("--limit is 1 to 500");
  const mails = await asApp(sql, project, (tx) => listMail(tx, project, limit), { actor: "cli" });
  out.result(
    mails,
    mails.map((m) => `${m.sent_at ? "sent   " : "waiting"} ${m.to}  ${m.subject}`).join("\n") || "No mail.",
  );
  return 0;
}

/**
 * `astapa mail list`: the outbox, for operators without SMTP (or checking what was sent); `astapa mail texts`:
 * a project's own wording of its mail (settings.mail_texts), shown, replaced from a JSON file, or cleared.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { getProject } from "@/db/projects.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { allowFlags, flag, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const MAIL_USAGE = `  mail list --project ID [--limit N]
                             a project's newest mail (sent or waiting), newest first
  mail texts --project ID [set FILE | clear]
                             show the project's own mail texts, replace them from a JSON file
                             ({kind: {en|id: {subject, intro, closing}}}, checked as the API checks) or clear them`;

export async function mailCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  if (args.positionals[1] === "texts") return await mailTexts(sql, args, out);
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

async function mailTexts(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  allowFlags(args, ["project"]);
  const id = flag(args, "project", true);
  const [action, file] = args.positionals.slice(2);
  if (![undefined, "set", "clear"].includes(action) || (action === "set") !== (file !== undefined)) {
    throw new UsageError("mail texts takes set FILE, clear, or nothing (show)");
  }
  let texts: unknown = action === "clear" ? null : undefined;
  if (action === "set") {
    try {
      texts = JSON.parse(await Deno.readTextFile(file));
    } catch (error) {
      throw new UsageError(`set needs a JSON file: ${(error as Error).message}`);
    }
  }
  const project = await asApp(
    sql,
    id,
    (tx) => texts === undefined ? getProject(tx, id) : updateProjectSettings(tx, id, { mail_texts: texts }),
    { actor: "cli" },
  );
  const shown = (project.settings.mail_texts ?? {}) as Record<string, unknown>;
  const kinds = Object.keys(shown);
  out.result(
    shown,
    kinds.length
      ? `Own mail texts of ${id}: ${kinds.join(", ")}`
      : `${id} uses Astapa's wording for every mail.`,
  );
  return 0;
}

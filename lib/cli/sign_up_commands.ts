/** `astapa sign-up …`: who may create an account through a project's hosted login (settings.sign_up). */
import { asApp, type Sql } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { signUpChange, type SignUpSettings, signUpSettingsOf } from "../login/sign_up_mode.ts";
import { allowFlags, flag, operands, type ParsedArgs, trueOrFalse, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const SIGN_UP_USAGE =
  `  sign-up ID [--mode open|invitation|waitlist|closed] [--allow DOMAINS] [--block DOMAINS]
             [--block-disposable true|false] [--allow-disposable DOMAINS] [--block-subaddresses true|false]
             [--require-legal-consent true|false]
                             show or change who may sign up; DOMAINS comma-separated (*.x for subdomains),
                             "" to clear the list; refuse throwaway mail domains but those of
                             --allow-disposable (such as duck.com), +tag addresses; ask for consent to the
                             terms (branding's terms or privacy URL needed)`;

const MODES = ["open", "invitation", "waitlist", "closed"] as const;
const list = (value: string | undefined) =>
  value === undefined ? undefined : value.split(/[\s,]+/).filter(Boolean);

export async function signUpCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [id] = operands(args, 1, ["ID"]);
  allowFlags(args, [
    "mode",
    "allow",
    "block",
    "block-disposable",
    "allow-disposable",
    "block-subaddresses",
    "require-legal-consent",
  ]);
  const mode = flag(args, "mode");
  if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode must be open, invitation, waitlist or closed, not "${mode}"`);
  }
  const disposable = trueOrFalse(args, "block-disposable");
  const subaddresses = trueOrFalse(args, "block-subaddresses");
  const consent = trueOrFalse(args, "require-legal-consent");
  const changes: Partial<SignUpSettings> = {
    ...(mode ? { mode: mode as SignUpSettings["mode"] } : {}),
    ...(args.flags.has("allow") ? { allowed_domains: list(flag(args, "allow")) } : {}),
    ...(args.flags.has("block") ? { blocked_domains: list(flag(args, "block")) } : {}),
    ...(disposable === null ? {} : { block_disposable_domains: disposable }),
    ...(args.flags.has("allow-disposable")
      ? { disposable_allowed_domains: list(flag(args, "allow-disposable")) }
      : {}),
    ...(subaddresses === null ? {} : { block_subaddresses: subaddresses }),
    ...(consent === null ? {} : { require_legal_consent: consent }),
  };
  const project = await asApp(
    sql,
    id,
    (tx) =>
      Object.keys(changes).length
        ? updateProjectSettings(tx, id, { sign_up: signUpChange(changes) })
        : getProject(tx, id),
    { actor: "cli" },
  );
  const shown = signUpSettingsOf(project.settings);
  const domains = (names: string[]) => names.length ? names.join(", ") : "any";
  out.result(
    { project_id: project.project_id, ...shown },
    `Sign-ups for ${project.project_id}: ${shown.mode}; allowed domains: ${
      domains(shown.allowed_domains)
    }; ` +
      `blocked: ${shown.blocked_domains.join(", ") || "none"}; disposable domains ${
        shown.block_disposable_domains
          ? `refused${
            shown.disposable_allowed_domains.length
              ? ` but ${shown.disposable_allowed_domains.join(", ")}`
              : ""
          }`
          : "taken"
      }; +tag addresses ${shown.block_subaddresses ? "refused" : "taken"}; legal consent ${
        shown.require_legal_consent ? "required" : "not asked"
      }`,
  );
  return 0;
}

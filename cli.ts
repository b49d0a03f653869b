/**
 * The admin CLI: `deno task astapa <command>`. Works against the same database as the server (the embedded
 * data folder or DATABASE_URL), also while the server runs. Exit codes: 0 ok, 1 failed, 2 bad usage.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { openDatabase } from "./db/connect.ts";
import { migrate, MigrationError } from "./db/migrate.ts";
import { parseArgs, UsageError } from "./lib/cli/args.ts";
import { ACCOUNT_USAGE, accountCommand } from "./lib/cli/account_commands.ts";
import { DB_USAGE, dbCommand } from "./lib/cli/db_commands.ts";
import { KEYS_USAGE, keysCommand } from "./lib/cli/keys_commands.ts";
import { MASTER_KEY_USAGE, masterKeyCommand } from "./lib/cli/master_key_commands.ts";
import { MAIL_USAGE, mailCommand } from "./lib/cli/mail_commands.ts";
import { MEMBER_USAGE, memberCommand } from "./lib/cli/member_commands.ts";
import { PLAN_BOOLEANS, PLAN_USAGE, planCommand } from "./lib/cli/plan_commands.ts";
import { PROJECT_USAGE, projectCommand } from "./lib/cli/project_commands.ts";
import { USER_USAGE, userCommand } from "./lib/cli/user_commands.ts";
import { USER_IMPORT_BOOLEANS } from "./lib/cli/user_import_commands.ts";
import { MACHINE_CLIENT_USAGE, machineClientCommand } from "./lib/cli/machine_client_commands.ts";
import { RESOURCE_USAGE, resourceCommand, scopeCommand } from "./lib/cli/resource_commands.ts";
import { SOCIAL_USAGE, socialCommand } from "./lib/cli/social_commands.ts";
import { SIGN_UP_USAGE, signUpCommand } from "./lib/cli/sign_up_commands.ts";
import { GUEST_USAGE, guestCommand } from "./lib/cli/guest_commands.ts";
import { BILLING_USAGE, billingCommand } from "./lib/cli/billing_commands.ts";
import { WAITLIST_USAGE, waitlistCommand } from "./lib/cli/waitlist_commands.ts";
import { SUBSCRIPTION_USAGE, subscriptionCommand } from "./lib/cli/subscription_commands.ts";
import { WEBHOOK_BOOLEANS, WEBHOOK_USAGE, webhookCommand } from "./lib/cli/webhook_commands.ts";
import { XENDIT_USAGE, xenditCommand } from "./lib/cli/xendit_commands.ts";
import { paymentCommand, RECONCILE_USAGE, refundCommand } from "./lib/cli/reconcile_commands.ts";
import { ORGANIZATION_USAGE, organizationCommand } from "./lib/cli/organization_commands.ts";
import type { Config } from "./config.ts";
import type { Sql } from "./db/client.ts";
import type { ParsedArgs } from "./lib/cli/args.ts";
import type { Output } from "./lib/cli/output.ts";
import { createOutput } from "./lib/cli/output.ts";
import { toAppError } from "./lib/http/errors.ts";

const USAGE = `Usage: deno task astapa <command> [options] [--json]

Commands:
${PROJECT_USAGE}
${SOCIAL_USAGE}
${SIGN_UP_USAGE}
${GUEST_USAGE}
${WAITLIST_USAGE}
${USER_USAGE}
${PLAN_USAGE}
${SUBSCRIPTION_USAGE}
${WEBHOOK_USAGE}
${XENDIT_USAGE}
${BILLING_USAGE}
${RECONCILE_USAGE}
${ORGANIZATION_USAGE}
${ACCOUNT_USAGE}
${MEMBER_USAGE}
${KEYS_USAGE}
${MASTER_KEY_USAGE}
${MAIL_USAGE}
${RESOURCE_USAGE}
${MACHINE_CLIENT_USAGE}
${DB_USAGE}

Configuration comes from the environment (DATABASE_URL, ASTAPA_DATA_DIR); see README.md.`;

type Command = (sql: Sql, args: ParsedArgs, out: Output, config: Config) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  project: projectCommand,
  social: socialCommand,
  "sign-up": signUpCommand,
  guests: guestCommand,
  waitlist: waitlistCommand,
  user: userCommand,
  plan: planCommand,
  subscription: subscriptionCommand,
  webhook: webhookCommand,
  xendit: xenditCommand,
  billing: billingCommand,
  payment: paymentCommand,
  refund: refundCommand,
  org: organizationCommand,
  account: accountCommand,
  member: memberCommand,
  keys: keysCommand,
  "master-key": masterKeyCommand,
  mail: mailCommand,
  resource: resourceCommand,
  scope: scopeCommand,
  "machine-client": machineClientCommand,
  db: dbCommand,
};

export async function runCli(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, [
      "json",
      "help",
      "write",
      "reapply",
      ...PLAN_BOOLEANS,
      ...USER_IMPORT_BOOLEANS,
      ...WEBHOOK_BOOLEANS,
    ]);
  } catch (error) {
    return usage(error);
  }
  const name = args.positionals[0];
  if (!name || args.flags.has("help")) {
    console.log(USAGE);
    return name || args.flags.has("help") ? 0 : 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return usage(new UsageError(`Unknown command "${name}"`));

  const config = loadConfig();
  const database = await openDatabase(config, { applicationName: "astapa-cli" });
  try {
    // Every command but `db` needs the current schema: bring a fresh or older database up to date first.
    if (name !== "db") await migrate(database.sql);
    return await command(database.sql, args, createOutput(args.json), config);
  } catch (error) {
    if (error instanceof UsageError) return usage(error);
    if (error instanceof MigrationError) {
      console.error(error.message);
      return 1;
    }
    const appError = toAppError(error);
    if (appError.code === "internal_error") throw error;
    console.error(`${appError.code}: ${appError.description}`);
    return 1;
  } finally {
    await database.close();
  }
}

function usage(error: unknown): number {
  console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  try {
    Deno.exit(await runCli(Deno.args));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      Deno.exit(1);
    }
    throw error;
  }
}

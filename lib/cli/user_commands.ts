/** `astapa user …`: look at a project's users, set their token claims, disable, sign out or erase them. */
import { isUserId } from "../http/user_id.ts";
import { asApp, type Sql } from "@/db/client.ts";
import {
  type ClaimsPatch,
  disableUser,
  getUser,
  listUsers,
  patchUserClaims,
  tokenClaims,
  type User,
} from "@/db/users.ts";
import { deleteUser, signOutEverywhere } from "@/db/user_admin.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";
import { exportCommand, importCommand, USER_IMPORT_USAGE } from "./user_import_commands.ts";

export const USER_USAGE = `  user list --project ID     list a project's users
  user show --project ID SUB show a user and the claims their tokens carry
  user claims --project ID SUB --set JSON
                             change plan, role, feature_flags, custom keys (null clears; absent stay)
  user disable|enable --project ID SUB
                             no sign-in and no token while disabled (sessions kept, refused)
  user sign-out --project ID SUB
                             end every session and refresh token of the user
  user delete --project ID SUB
                             erase the user (right to erasure; the app hears user.deleted)
${USER_IMPORT_USAGE}`;

const CLI = { actor: "cli" };

export async function userCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  switch (action) {
    case "import":
      return await importCommand(sql, args, out);
    case "export":
      return await exportCommand(sql, args);
    case "list": {
      allowFlags(args, ["project"]);
      operands(args, 2, []);
      const project = flag(args, "project", true);
      const users = await asApp(sql, project, (tx) => listUsers(tx, project, { size: 1000 }), CLI);
      out.result(
        users,
        users.map((u) =>
          `${u.id.padStart(6)}  ${u.environment.padEnd(10)}  ${reached(u)}${u.disabled ? "  (disabled)" : ""}`
        )
          .join("\n") || "No users.",
      );
      return 0;
    }
    case "show": {
      allowFlags(args, ["project"]);
      const project = flag(args, "project", true);
      const [sub] = operands(args, 2, ["SUB"]).map(userId);
      const shown = await asApp(sql, project, async (tx) => {
        const user = await getUser(tx, project, sub);
        return { user, claims: user.disabled ? null : await tokenClaims(tx, project, sub) };
      }, CLI);
      out.result({ ...shown.user, token_claims: shown.claims }, describe(shown.user, shown.claims));
      return 0;
    }
    case "claims": {
      allowFlags(args, ["project", "set"]);
      const project = flag(args, "project", true);
      const [sub] = operands(args, 2, ["SUB"]).map(userId);
      const claims = parseClaims(flag(args, "set", true));
      const result = await asApp(sql, project, (tx) => patchUserClaims(tx, project, sub, claims, "cli"), CLI);
      out.result(result, JSON.stringify(result, null, 2));
      return 0;
    }
    case "disable":
    case "enable": {
      allowFlags(args, ["project"]);
      const project = flag(args, "project", true);
      const [sub] = operands(args, 2, ["SUB"]).map(userId);
      const user = await asApp(
        sql,
        project,
        (tx) => disableUser(tx, project, sub, action === "disable"),
        CLI,
      );
      out.result(user, `${reached(user)} is ${user.disabled ? "disabled" : "enabled"}.`);
      return 0;
    }
    case "sign-out": {
      allowFlags(args, ["project"]);
      const project = flag(args, "project", true);
      const [sub] = operands(args, 2, ["SUB"]).map(userId);
      const ended = await asApp(sql, project, (tx) => signOutEverywhere(tx, project, sub), CLI);
      out.result(ended, `Ended ${ended.sessions} session(s) and ${ended.refresh_tokens} refresh token(s).`);
      return 0;
    }
    case "delete": {
      allowFlags(args, ["project"]);
      const project = flag(args, "project", true);
      const [sub] = operands(args, 2, ["SUB"]).map(userId);
      await asApp(sql, project, (tx) => deleteUser(tx, project, sub), CLI);
      out.result({ sub, deleted: true }, `Erased user ${sub}.`);
      return 0;
    }
  }
  throw new UsageError(`Unknown user command "${action ?? ""}"`);
}

function userId(value: string): string {
  if (!isUserId(value)) throw new UsageError(`A user's SUB is a number, not "${value}"`);
  return value;
}

function parseClaims(text: string): ClaimsPatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--set must be JSON, e.g. '{"role":"admin","feature_flags":["beta"]}'`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError("--set must be a JSON object");
  }
  // The database checks every key and value and explains what is wrong.
  return parsed as ClaimsPatch;
}

/** How the user is reached: their email, else their phone number, else "guest" (docs/anonymous-users.md). */
function reached(user: User): string {
  return user.email ?? user.phone_number ?? (user.is_anonymous ? "guest" : "none");
}

function describe(user: User, claims: unknown): string {
  return table([
    ["sub", user.id],
    [
      "email",
      user.email === null ? reached(user) : `${user.email}${user.email_verified ? " (verified)" : ""}`,
    ],
    ["environment", user.environment],
    ["disabled", String(user.disabled)],
    ["created_at", user.created_at],
    ["last_sign_in_at", user.last_sign_in_at ?? "never"],
    ["legal_accepted_at", user.legal_accepted_at ?? "never"],
    ["token_claims", claims ? JSON.stringify(claims) : "(none: the user is disabled)"],
  ]);
}

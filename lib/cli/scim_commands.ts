/** `astapa org scim|enable-scim|revoke-scim`: an organization's SCIM directory (docs/scim.md). */
import type { Config } from "@/config.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { enableScimDirectory, getScimDirectory, revokeScimToken, type ScimDirectory } from "@/db/scim.ts";
import { newScimToken, scimBaseUrl } from "../scim/caller.ts";
import { sha256 } from "../secrets.ts";
import { allowFlags, flag, type ParsedArgs } from "./args.ts";
import { type Output, table } from "./output.ts";

export const SCIM_USAGE = `  org scim|revoke-scim --project ID --org ID
  org enable-scim --project ID --org ID
                             turns the SCIM directory on or rotates its token (shown once; the old one dies)`;

export const SCIM_ACTIONS = ["scim", "enable-scim", "revoke-scim"];

const CLI = { actor: "cli" };

function shown(d: ScimDirectory, baseUrl: string, token?: string): string {
  return table([
    ["directory", d.id],
    ["base url", baseUrl],
    ["token", token ?? (d.token_active ? "active (shown once, when made)" : "- (revoked)")],
    ["users", `${d.users} (${d.active_users} active)`],
  ]);
}

export async function scimCommand(sql: Sql, args: ParsedArgs, out: Output, config: Config): Promise<number> {
  const action = args.positionals[1];
  allowFlags(args, ["project", "org"]);
  const project = flag(args, "project", true);
  const org = flag(args, "org", true);
  if (action === "enable-scim") {
    const token = newScimToken();
    const hash = await sha256(token);
    const { created: _, ...directory } = await asApp(
      sql,
      project,
      (tx) => enableScimDirectory(tx, org, hash),
      CLI,
    );
    const baseUrl = scimBaseUrl(config.baseUrl, directory.id);
    out.result({ ...directory, base_url: baseUrl, token }, shown(directory, baseUrl, token));
    return 0;
  }
  const directory = await asApp(
    sql,
    project,
    (tx) => action === "revoke-scim" ? revokeScimToken(tx, org) : getScimDirectory(tx, org),
    CLI,
  );
  const baseUrl = scimBaseUrl(config.baseUrl, directory.id);
  out.result({ ...directory, base_url: baseUrl }, shown(directory, baseUrl));
  return 0;
}

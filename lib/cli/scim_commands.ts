/**
 * `astapa org scim|enable-scim|revoke-scim|scim-groups|map-scim-group`: an organization's SCIM directory and the
 * organization roles its IdP's groups map to (docs/scim.md).
 */
import type { Config } from "@/config.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { enableScimDirectory, getScimDirectory, revokeScimToken, type ScimDirectory } from "@/db/scim.ts";
import { listScimGroupMappings, mapScimGroup, type ScimGroupMapping } from "@/db/scim_groups.ts";
import { newScimToken, scimBaseUrl } from "../scim/caller.ts";
import { sha256 } from "../secrets.ts";
import { allowFlags, flag, type ParsedArgs } from "./args.ts";
import { type Output, table } from "./output.ts";

export const SCIM_USAGE = `  org scim|revoke-scim --project ID --org ID
  org enable-scim --project ID --org ID
                             turns the SCIM directory on or rotates its token (shown once; the old one dies)
  org scim-groups --project ID --org ID
  org map-scim-group --project ID --org ID --group ID --role ROLE|none
                             maps an IdP group to an organization role (none: unmapped; never owner)`;

export const SCIM_ACTIONS = ["scim", "enable-scim", "revoke-scim", "scim-groups", "map-scim-group"];

const CLI = { actor: "cli" };

function shown(d: ScimDirectory, baseUrl: string, token?: string): string {
  return table([
    ["directory", d.id],
    ["base url", baseUrl],
    ["token", token ?? (d.token_active ? "active (shown once, when made)" : "- (revoked)")],
    ["users", `${d.users} (${d.active_users} active)`],
  ]);
}

/** One line a group: its id (for map-scim-group), name, members and role. */
const groupRows = (groups: ScimGroupMapping[]) =>
  groups.length === 0 ? "no groups (the IdP has pushed none)" : table(groups.map((g) => [
    g.id,
    `${g.display_name} · ${g.members} members · ${g.role ?? "unmapped"}`,
  ]));

async function groupCommand(sql: Sql, args: ParsedArgs, out: Output, action: string): Promise<number> {
  allowFlags(args, ["project", "org", "group", "role"]);
  const project = flag(args, "project", true);
  const org = flag(args, "org", true);
  if (action === "map-scim-group") {
    const group = flag(args, "group", true);
    const role = flag(args, "role", true);
    const mapped = await asApp(
      sql,
      project,
      (tx) => mapScimGroup(tx, org, group, role === "none" ? null : role),
      CLI,
    );
    out.result(mapped, groupRows([mapped]));
    return 0;
  }
  const groups = await asApp(sql, project, (tx) => listScimGroupMappings(tx, org), CLI);
  out.result(groups, groupRows(groups));
  return 0;
}

export async function scimCommand(sql: Sql, args: ParsedArgs, out: Output, config: Config): Promise<number> {
  const action = args.positionals[1];
  if (action === "scim-groups" || action === "map-scim-group") {
    return await groupCommand(sql, args, out, action);
  }
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

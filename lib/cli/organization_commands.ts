/** `astapa org …`: a project's organizations, their members, roles, invitations and domains (docs/organizations.md). */
import type { Config } from "@/config.ts";
import { asApp, type Sql, type Tx } from "@/db/client.ts";
import {
  addDomain,
  addMember,
  createOrganization,
  deleteOrganization,
  getOrganization,
  inviteWithMail,
  listInvitations,
  listMembers,
  listOrganizationRoles,
  listOrganizations,
  type Organization,
  removeMember,
  revokeInvitation,
  setMemberRole,
  setOrganizationRole,
  transferOwnership,
  verifyDomain,
} from "@/db/organizations.ts";
import { listPlans } from "@/db/plans.ts";
import { invitationLink, invitationMail } from "../organizations/invitation_mail.ts";
import { randomSecret, sha256 } from "../secrets.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";
import { SSO_ACTIONS, SSO_USAGE, ssoCommand } from "./sso_commands.ts";
import { SCIM_ACTIONS, SCIM_USAGE, scimCommand } from "./scim_commands.ts";

export const ORGANIZATION_USAGE = `  org list --project ID [--search TEXT]
  org create --project ID --name NAME --slug SLUG [--owner SUB]
  org show|delete --project ID --org ID|SLUG
  org members --project ID --org ID
  org add-member|set-role --project ID --org ID --user SUB --role ROLE
  org remove-member --project ID --org ID --user SUB
  org transfer --project ID --org ID --from SUB --to SUB
                             the new owner takes over; the giving owner becomes admin
  org invite --project ID --org ID --email ADDRESS --accept-url URL [--role ROLE] [--lang en|id]
                             mail an invitation linking to URL?invitation=<token>
  org invitations --project ID --org ID · org revoke --project ID --invitation ID
  org roles --project ID · org define-role --project ID --key KEY --name NAME [--permission P …]
  org add-domain|verify-domain --project ID --org ID --domain DOMAIN
${SSO_USAGE}
${SCIM_USAGE}`;

const CLI = { actor: "cli" };

export async function organizationCommand(
  sql: Sql,
  args: ParsedArgs,
  out: Output,
  config: Config,
): Promise<number> {
  const action = args.positionals[1];
  if (SSO_ACTIONS.includes(action)) return await ssoCommand(sql, args, out, config);
  if (SCIM_ACTIONS.includes(action)) return await scimCommand(sql, args, out, config);
  operands(args, 2, []);
  const run = <T>(known: string[], work: (tx: Tx, project: string) => Promise<T>) => {
    allowFlags(args, ["project", ...known]);
    const project = flag(args, "project", true);
    return asApp(sql, project, (tx) => work(tx, project), CLI);
  };
  const need = (name: string) => flag(args, name, true);
  const show = (data: unknown, human: string) => {
    out.result(data, human);
    return 0;
  };
  switch (action) {
    case "list": {
      const [list, names] = await run(["search"], async (tx, project) => {
        const list = await listOrganizations(tx, flag(args, "search") ?? null);
        return [list, await planNames(tx, project, list)] as const;
      });
      return show(
        list,
        list.map((o) =>
          `${o.id}  ${o.slug.padEnd(20)}  ${o.members} members  ${o.name}` +
          (o.open_change ? `\n    scheduled: ${scheduled(o.open_change, names)}` : "")
        ).join("\n") || "No organizations.",
      );
    }
    case "create": {
      const org = await run(
        ["name", "slug", "owner"],
        (tx) =>
          createOrganization(tx, { name: need("name"), slug: need("slug"), owner: flag(args, "owner") }),
      );
      return show(org, table([["id", org.id], ["slug", org.slug], ["name", org.name]]));
    }
    case "show": {
      const [org, names] = await run(["org"], async (tx, project) => {
        const org = await getOrganization(tx, need("org"));
        return [org, await planNames(tx, project, org ? [org] : [])] as const;
      });
      if (!org) throw new UsageError(`No organization ${flag(args, "org")} in this project`);
      return show(
        org,
        table([
          ["id", org.id],
          ["slug", org.slug],
          ["name", org.name],
          ["members", String(org.members)],
          ["seat_limit", org.seat_limit === null ? "none" : String(org.seat_limit)],
          ["plan", org.plan ?? "none"],
          ["scheduled", org.open_change ? scheduled(org.open_change, names) : "none"],
          [
            "domains",
            org.domains.map((d) => `${d.domain}${d.verified ? "" : " (unverified)"}`).join(", ") || "none",
          ],
        ]),
      );
    }
    case "delete": {
      await run(["org"], (tx) => deleteOrganization(tx, need("org")));
      return show({ deleted: true }, "Organization deleted.");
    }
    case "members": {
      const members = await run(["org"], (tx) => listMembers(tx, need("org")));
      return show(members, members.map((m) => `${m.user_id}  ${m.role.padEnd(12)}  ${m.email}`).join("\n"));
    }
    case "add-member":
    case "set-role": {
      const change = action === "add-member" ? addMember : setMemberRole;
      const m = await run(
        ["org", "user", "role"],
        (tx) => change(tx, need("org"), need("user"), need("role")),
      );
      return show(m, `${m.user_id} is ${m.role} of ${m.organization_id}.`);
    }
    case "remove-member": {
      await run(["org", "user"], (tx) => removeMember(tx, need("org"), need("user"), false));
      return show({ removed: true }, "Member removed.");
    }
    case "transfer": {
      const members = await run(
        ["org", "from", "to"],
        (tx) => transferOwnership(tx, need("org"), need("from"), need("to")),
      );
      return show(members, members.map((m) => `${m.user_id}  ${m.role}`).join("\n"));
    }
    case "invite":
      return show(...await invite(args, run, need));
    case "invitations": {
      const list = await run(["org"], (tx) => listInvitations(tx, need("org")));
      return show(
        list,
        list.map((i) => `${i.id}  ${i.status.padEnd(8)}  ${i.role.padEnd(10)}  ${i.email}`).join("\n"),
      );
    }
    case "revoke": {
      const revoked = await run(["invitation"], (tx) => revokeInvitation(tx, need("invitation")));
      return show(revoked, `Invitation ${revoked.id} revoked.`);
    }
    case "roles":
    case "define-role": {
      const roles = action === "roles"
        ? await run([], listOrganizationRoles)
        : await run(["key", "name", "permission"], (tx) =>
          setOrganizationRole(tx, need("key"), need("name"), args.flags.get("permission") ?? []));
      return show(
        roles,
        roles.map((r) => `${r.key.padEnd(16)}  ${r.permissions.join(" ") || "-"}`).join("\n"),
      );
    }
    case "add-domain":
    case "verify-domain": {
      const change = action === "add-domain" ? addDomain : verifyDomain;
      const d = await run(["org", "domain"], (tx) => change(tx, need("org"), need("domain")));
      return show(
        d,
        table([["domain", d.domain], ["verified", String(d.verified)], ["dns txt", d.verification_token]]),
      );
    }
  }
  throw new UsageError(`Unknown org command "${action ?? ""}"`);
}

type PlanChange = NonNullable<Organization["open_change"]>;

/** The plans' names by key, read only when an organization has a change scheduled (archived ones too). */
async function planNames(tx: Tx, project: string, orgs: Organization[]): Promise<Map<string, string>> {
  if (!orgs.some((o) => o.open_change)) return new Map();
  return new Map((await listPlans(tx, project, true)).map((p) => [p.key, p.name]));
}

/** "from 2027-01-05, Duo (duo) with 2 seats", as the dashboard's Organizations page words it. */
function scheduled(change: PlanChange, names: Map<string, string>): string {
  const name = names.get(change.to_plan);
  const plan = name ? `${name} (${change.to_plan})` : change.to_plan;
  return `from ${change.effective_at?.slice(0, 10) ?? "its next period"}, ${plan} with ${change.seats} seats`;
}

async function invite(
  args: ParsedArgs,
  run: <T>(known: string[], work: (tx: Tx, project: string) => Promise<T>) => Promise<T>,
  need: (name: string) => string,
): Promise<[unknown, string]> {
  const lang = flag(args, "lang") ?? "en";
  if (lang !== "en" && lang !== "id") throw new UsageError(`--lang is en or id, not "${lang}"`);
  let link: string;
  const token = randomSecret();
  try {
    link = invitationLink(need("accept-url"), token);
  } catch {
    throw new UsageError("--accept-url must be a URL (the app's page that starts sign-in)");
  }
  const email = need("email");
  const ttl = 604800;
  const created = await run(
    ["org", "email", "accept-url", "role", "lang"],
    async (tx, project) =>
      inviteWithMail(
        tx,
        project,
        need("org"),
        {
          email,
          role: flag(args, "role") ?? "member",
          tokenHash: await sha256(token),
          ttlSeconds: ttl,
          invitedBy: null,
          acceptUrl: need("accept-url"),
        },
        (names) => invitationMail(lang, email, names, link, ttl),
      ),
  );
  return [{ ...created, link }, `Invited ${email} (${created.role}); mailed ${link}`];
}

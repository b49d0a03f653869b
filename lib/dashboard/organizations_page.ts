/**
 * The dashboard's Organizations page (issue 28 item 4): every organization of the project with its members and
 * open invitations, read through the same api.* functions as the Platform API; admins create organizations.
 */
import { z } from "zod";
import { AppError } from "@/lib/http/errors.ts";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import {
  listInvitations,
  listMembers,
  listOrganizationRoles,
  listOrganizations,
} from "@/db/organizations.ts";
import { getProject, type Project } from "@/db/projects.ts";
import { listPlans } from "@/db/plans.ts";
import { listSsoConnections } from "@/db/sso_connections.ts";
import { listScimDirectories, type ScimDirectory } from "@/db/scim.ts";
import { listScimGroupMappings, type ScimGroupMapping } from "@/db/scim_groups.ts";
import { scimBaseUrl } from "../scim/caller.ts";
import { MAX_METADATA_CHARS } from "../login/sso/saml_metadata.ts";
import { withServiceProvider } from "../login/sso/saml_urls.ts";
import type { ShownSsoConnection } from "@/lib/login/sso/saml_urls.ts";
import type { FrameData } from "./page_data.ts";
import { frameOf } from "./frame.ts";
import type { Loader, Posted } from "./form_action.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { ORGANIZATIONS_TEXT } from "./text/organizations.ts";

/** What each `?done=` after a form says (its words: lib/dashboard/text/organizations.ts). */
const ORGANIZATION_DONE_NOTICES = {
  created: "createdNotice",
  plan_set: "planSetNotice",
  sso_saved: "ssoSavedNotice",
  sso_removed: "ssoRemovedNotice",
  sso_mapping_saved: "ssoMappingSavedNotice",
  sso_certificate_rotated: "certificateRotatedNotice",
  sso_certificate_removed: "certificateRemovedNotice",
  scim_revoked: "scimRevokedNotice",
  scim_group_mapped: "scimGroupMappedNotice",
} as const;

/**
 * An admin turns an organization's SCIM directory on or replaces its token (enable), revokes it, or maps one of its
 * groups to a role (map; role "" unmaps it).
 */
export const OrganizationScimForm = z.object({
  csrf: z.string(),
  organization: z.string().max(100),
  action: z.enum(["enable", "revoke", "map"]),
  group: z.string().max(64).default(""),
  role: z.string().max(64).default(""),
});

/** An admin saves an organization's SSO connection (docs/enterprise-sso.md) or removes it. */
export const OrganizationSsoForm = z.object({
  csrf: z.string(),
  organization: z.string().max(100),
  /**
   * save: OpenID Connect; save_saml: SAML from the IdP's metadata; the SAML certificate's rotation; save_mapping:
   * the attribute names and group roles only.
   */
  action: z.enum([
    "save",
    "save_saml",
    "remove",
    "rotate_sp_certificate",
    "remove_previous_sp_certificate",
    "save_mapping",
  ]),
  issuer: z.string().max(500).default(""),
  idp_client_id: z.string().max(500).default(""),
  /** Empty keeps the stored secret. */
  idp_client_secret: z.string().max(1000).default(""),
  idp_metadata_xml: z.string().max(MAX_METADATA_CHARS).default(""),
  enabled: z.literal("on").optional(),
  want_assertions_encrypted: z.literal("on").optional(),
  sign_authn_requests: z.literal("on").optional(),
  idp_initiated: z.literal("on").optional(),
  /** save_mapping: each attribute name ("" : the well-known names) and the group roles, one "GROUP=ROLE" a line. */
  email_attribute: z.string().trim().max(256).default(""),
  given_name_attribute: z.string().trim().max(256).default(""),
  family_name_attribute: z.string().trim().max(256).default(""),
  groups_attribute: z.string().trim().max(256).default(""),
  group_roles: z.string().max(40_000).default(""),
});
export type OrganizationSsoForm = z.infer<typeof OrganizationSsoForm>;

/**
 * The mapping form as the SQL input: empty attribute names left to the well-known ones, each non-empty line of
 * group_roles split at its last "=" (a role key has none); a line without one is a validation error.
 */
export function ssoMappingOfForm(form: OrganizationSsoForm) {
  const attributeMapping = Object.fromEntries(
    (["email", "given_name", "family_name", "groups"] as const)
      .map((name) => [name, form[`${name}_attribute`]])
      .filter(([, value]) => value !== ""),
  );
  const groupRoles: Record<string, string> = {};
  for (const line of form.group_roles.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const at = line.lastIndexOf("=");
    if (at <= 0 || at === line.length - 1) {
      throw new AppError("validation_failed", {
        description: `Group roles: "${line.slice(0, 80)}" is not GROUP=ROLE.`,
      });
    }
    groupRoles[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { attributeMapping, groupRoles };
}

/** An admin puts a team plan (one the app sells itself) on an organization, or takes it away (""). */
export const OrganizationPlanForm = z.object({
  csrf: z.string(),
  organization: z.string().max(100),
  plan: z.string().max(100),
});

export const NewOrganizationForm = z.object({
  csrf: z.string(),
  name: z.string().trim().max(200),
  slug: z.string().trim().max(64),
});
export type NewOrganizationForm = z.infer<typeof NewOrganizationForm>;

/** A SCIM directory as the page shows it: never its token; the groups its IdP pushed with their roles. */
export type ShownScimDirectory = ScimDirectory & { base_url: string; groups: ScimGroupMapping[] };

/** A SCIM token just made, for this one answer (only its SHA-256 is stored). */
export type NewScimToken = { organization: string; token: string; base_url: string };

type Listed = Awaited<ReturnType<typeof listOrganizations>>[number];
export type OrganizationRow = Listed & {
  member_list: Awaited<ReturnType<typeof listMembers>>;
  open_invitations: Awaited<ReturnType<typeof listInvitations>>;
  /** Its SSO connection (never the secret; a SAML one with the SP URLs to give the IdP), or null. */
  sso: ShownSsoConnection | null;
  /** Its SCIM directory (never the token), or null. */
  scim: ShownScimDirectory | null;
};

export type OrganizationsData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  organizations: OrganizationRow[];
  /** The roles a SCIM group may map to (every organization role but owner). */
  groupRoles: { key: string; name: string }[];
  /** The plans an organization may take (team plans, not archived): the plan form's choices. */
  teamPlans: { key: string; name: string }[];
  notice?: string;
  error?: string;
  draft?: Posted;
  /** A SCIM token just made: shown in this answer only. */
  scimToken?: NewScimToken;
};

/**
 * The first 100 organizations by name, each with its members and open invitations; `refills`: a refused new
 * organization shows what it posted.
 */
export function organizationsView(c: Ctx, refills = false): Loader<OrganizationsData> {
  return async (tx: Tx, role, projectId, extra, posted) => {
    const organizations: OrganizationRow[] = [];
    const connections = (await listSsoConnections(tx)).map((s) =>
      withServiceProvider(c.var.deps.config.baseUrl, s)
    );
    const directories: ShownScimDirectory[] = [];
    for (const d of await listScimDirectories(tx)) {
      const base_url = scimBaseUrl(c.var.deps.config.baseUrl, d.id);
      directories.push({ ...d, base_url, groups: await listScimGroupMappings(tx, d.organization_id) });
    }
    for (const org of await listOrganizations(tx, null)) {
      const invitations = await listInvitations(tx, org.id);
      organizations.push({
        ...org,
        member_list: await listMembers(tx, org.id),
        open_invitations: invitations.filter((i) => i.status === "pending"),
        sso: connections.find((s) => s.organization_id === org.id) ?? null,
        scim: directories.find((d) => d.organization_id === org.id) ?? null,
      });
    }
    return {
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      role,
      organizations,
      groupRoles: (await listOrganizationRoles(tx)).filter((r) => r.key !== "owner")
        .map(({ key, name }) => ({ key, name })),
      teamPlans: (await listPlans(tx, projectId)).filter((p) => p.seat_pricing !== null)
        .map(({ key, name }) => ({ key, name })),
      notice: doneNotice(
        ORGANIZATIONS_TEXT[dashboardLang(c)],
        ORGANIZATION_DONE_NOTICES,
        c.req.query("done"),
      ),
      ...(extra.error ? { error: extra.error, draft: refills ? posted : undefined } : {}),
    };
  };
}

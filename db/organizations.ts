/** Typed wrappers around the organization functions (db/api/organizations.sql, organization_invitations.sql). */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { OrganizationPlanChange } from "./organization_plan_changes.ts";
import { sha256 } from "@/lib/secrets.ts";

export const Membership = z.object({
  organization_id: z.string(),
  user_id: z.string(),
  email: z.string(),
  role: z.string(),
  permissions: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Membership = z.infer<typeof Membership>;

export const UserOrganizations = z.object({
  memberships: z.array(Membership.extend({ organization_name: z.string(), organization_slug: z.string() })),
  joinable: z.array(z.object({ id: z.string(), name: z.string(), slug: z.string() })),
});
export type UserOrganizations = z.infer<typeof UserOrganizations>;

async function value<S extends z.ZodType>(
  sql: Sql,
  projectId: string,
  schema: S,
  query: Parameters<typeof asApp>[2],
  actor?: string,
): Promise<z.infer<S>> {
  const rows = await asApp(sql, projectId, query, actor ? { actor } : {}) as Record<string, unknown>[];
  return schema.parse(Object.values(rows[0])[0]);
}

/** A person's organizations and those their verified domain lets them join (joining them first when automatic). */
export function userOrganizations(sql: Sql, projectId: string, userId: string): Promise<UserOrganizations> {
  return value(sql, projectId, UserOrganizations, (tx) => tx`select api.user_organizations(${userId})`);
}

/** The person joins, as member, an organization of their verified email domain. */
export function joinOrganizationByDomain(
  sql: Sql,
  projectId: string,
  organizationId: string,
  userId: string,
): Promise<Membership> {
  return value(
    sql,
    projectId,
    Membership,
    (tx) => tx`select api.join_organization_by_domain(${organizationId}, ${userId})`,
    "hosted_login",
  );
}

/** The signed-in person accepts an organization invitation (the link's token); they become a member. */
export async function acceptOrganizationInvitation(
  sql: Sql,
  projectId: string,
  token: string,
  userId: string,
): Promise<Membership> {
  const tokenHash = await sha256(token);
  return value(
    sql,
    projectId,
    Membership,
    (tx) => tx`select api.accept_organization_invitation(${tokenHash}, ${userId})`,
    "hosted_login",
  );
}

export const InvitationOffer = z.object({
  invitation_id: z.string(),
  organization_id: z.string(),
  organization_name: z.string(),
  role: z.string(),
  /** Null when the app invited (no inviter named) or the inviter's account is gone. */
  invited_by_email: z.string().nullable(),
});
export type InvitationOffer = z.infer<typeof InvitationOffer>;

/** What the hosted login asks before the person accepts an invitation; throws what accepting it would. */
export async function organizationInvitationOffer(
  sql: Sql,
  projectId: string,
  token: string,
  userId: string,
): Promise<InvitationOffer> {
  const tokenHash = await sha256(token);
  return value(
    sql,
    projectId,
    InvitationOffer,
    (tx) => tx`select api.organization_invitation_offer(${tokenHash}, ${userId})`,
  );
}

// The Platform API's calls, each inside the calling client's transaction (lib/platform/caller.ts asClient).

export const Organization = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  /** Its team plan's key (custom_claims.org_plan in tokens), or null. */
  plan: z.string().nullable(),
  /** Until when its team plan is paid (bought through Astapa), or null. */
  plan_paid_through: z.string().nullable(),
  /** Canceled by an owner, admin or the app: the plan ends at plan_paid_through (else null). */
  plan_canceled_at: z.string().nullable(),
  seat_limit: z.number().int().nullable(),
  /** Fewer seats paid for a later period: the limit from next_seat_limit_from on (else both null). */
  next_seat_limit: z.number().int().nullable(),
  next_seat_limit_from: z.string().nullable(),
  members: z.number().int(),
  /** The team plan change scheduled for its next period (as a person's billing `open_change`), or null. */
  open_change: OrganizationPlanChange.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Organization = z.infer<typeof Organization>;
export const Domain = z.object({
  domain: z.string(),
  verified: z.boolean(),
  verified_at: z.string().nullable(),
  verification_token: z.string(),
});
export const OrganizationDetail = Organization.extend({ domains: z.array(Domain) });
export const Invitation = z.object({
  id: z.string(),
  organization_id: z.string(),
  organization_name: z.string(),
  email: z.string(),
  role: z.string(),
  invited_by: z.string().nullable(),
  expires_at: z.string(),
  status: z.enum(["pending", "accepted", "revoked", "expired"]),
  accepted_by: z.string().nullable(),
  created_at: z.string(),
});
export const OrganizationRole = z.object({
  key: z.string(),
  name: z.string(),
  built_in: z.boolean(),
  permissions: z.array(z.string()),
});

async function one<S extends z.ZodType>(
  query: PromiseLike<readonly Record<string, unknown>[]>,
  schema: S,
): Promise<z.infer<S>> {
  const [row] = await query;
  return schema.parse(Object.values(row)[0]);
}

export type NewOrganization = {
  name: string;
  slug: string;
  owner?: string;
  metadata?: Record<string, unknown>;
};

export const listOrganizations = (tx: Tx, search: string | null) =>
  one(tx`select api.list_organizations(${search})`, z.array(Organization));
export const createOrganization = (tx: Tx, o: NewOrganization) =>
  one(
    tx`select api.create_organization(${o.name}, ${o.slug}, ${o.owner ?? null}, ${
      tx.json((o.metadata ?? {}) as never)
    })`,
    Organization,
  );
export const getOrganization = (tx: Tx, id: string) =>
  one(tx`select api.get_organization(${id})`, OrganizationDetail.nullable());
export const updateOrganization = (tx: Tx, id: string, patch: Record<string, unknown>) =>
  one(tx`select api.update_organization(${id}, ${tx.json(patch as never)})`, Organization);
export const deleteOrganization = async (tx: Tx, id: string) => {
  await tx`select api.delete_organization(${id})`;
};
export const listMembers = (tx: Tx, id: string) =>
  one(tx`select api.list_organization_members(${id})`, z.array(Membership));
export const addMember = (tx: Tx, id: string, userId: string, role: string) =>
  one(tx`select api.add_organization_member(${id}, ${userId}, ${role})`, Membership);
export const setMemberRole = (tx: Tx, id: string, userId: string, role: string) =>
  one(tx`select api.set_organization_member_role(${id}, ${userId}, ${role})`, Membership);
export const removeMember = async (tx: Tx, id: string, userId: string, leaving: boolean) => {
  await tx`select api.remove_organization_member(${id}, ${userId}, ${leaving})`;
};
export const transferOwnership = (tx: Tx, id: string, from: string, to: string) =>
  one(tx`select api.transfer_organization_ownership(${id}, ${from}, ${to})`, z.array(Membership));

export type NewInvitation = {
  email: string;
  role: string;
  tokenHash: Uint8Array;
  ttlSeconds: number;
  invitedBy: string | null;
  mail: Record<string, string> | null;
  /** The app page the mail links to; with a mail it must be on an origin of a project redirect URI. */
  acceptUrl?: string;
};
export const inviteToOrganization = (tx: Tx, id: string, i: NewInvitation) =>
  one(
    tx`select api.invite_to_organization(${id}, ${i.email}, ${i.role}, ${i.tokenHash}, ${i.ttlSeconds},
                                         ${i.invitedBy}, ${i.mail ? tx.json(i.mail) : null}, ${
      i.acceptUrl ?? null
    })`,
    Invitation,
  );
export const listInvitations = (tx: Tx, id: string) =>
  one(tx`select api.list_organization_invitations(${id})`, z.array(Invitation));
export const revokeInvitation = (tx: Tx, invitationId: string) =>
  one(tx`select api.revoke_organization_invitation(${invitationId})`, Invitation);
export const addDomain = (tx: Tx, id: string, domain: string) =>
  one(tx`select api.add_organization_domain(${id}, ${domain})`, Domain);
export const verifyDomain = (tx: Tx, id: string, domain: string) =>
  one(tx`select api.verify_organization_domain(${id}, ${domain})`, Domain);
export const removeDomain = async (tx: Tx, id: string, domain: string) => {
  await tx`select api.remove_organization_domain(${id}, ${domain})`;
};
export const listOrganizationRoles = (tx: Tx) =>
  one(tx`select api.list_organization_roles()`, z.array(OrganizationRole));
export const setOrganizationRole = (tx: Tx, key: string, name: string, permissions: string[]) =>
  one(tx`select api.set_organization_role(${key}, ${name}, ${permissions})`, z.array(OrganizationRole));
export const deleteOrganizationRole = async (tx: Tx, key: string) => {
  await tx`select api.delete_organization_role(${key})`;
};

/**
 * Who an invitation mail names: the organization and the app (the project's name); and the project's settings,
 * for its own wording of the mail (settings.mail_texts).
 */
export type InvitationNames = { organization: string; app: string; settings?: Record<string, unknown> };

/**
 * Invites to an organization, with the mail `mailFor` writes from the organization's and the project's names
 * queued in the same transaction (so an invitation refused for a full organization sends nothing).
 */
export async function inviteWithMail(
  tx: Tx,
  projectId: string,
  id: string,
  invitation: Omit<NewInvitation, "mail">,
  mailFor: (names: InvitationNames) => Record<string, string>,
) {
  const [names] = await tx`select api.get_organization(${id}) ->> 'name' as organization,
                                  api.get_project(${projectId}) ->> 'name' as app,
                                  api.get_project(${projectId}) -> 'settings' as settings`;
  if (names.organization === null) return await inviteToOrganization(tx, id, { ...invitation, mail: null });
  const mail = mailFor({
    organization: names.organization,
    app: names.app ?? "",
    settings: names.settings ?? {},
  });
  return await inviteToOrganization(tx, id, { ...invitation, mail });
}

/**
 * Typed wrappers around db/api/account.sql: a person's own account page. Every call names the person by their
 * live session's token hash, never by a user id, so nobody reaches another person's account through them.
 */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { ListedPasskeySchema } from "./passkeys.ts";
import { SignInMethodSchema } from "./user_admin.ts";
import type { ProfileInput } from "./users.ts";

/** The mail a change sends (subject and text in the person's language); SQL adds the address. */
export type AccountMail = { template: string; subject: string; text: string };

export const AccountOverview = z.object({
  user: z.object({
    id: z.string(),
    // Null for someone who signed up by phone (docs/phone.md): they may add one here.
    email: z.string().nullable(),
    email_verified: z.boolean(),
    phone_number: z.string().nullable(),
    // The profile (db/api/profile.sql), null when unset.
    name: z.string().nullable(),
    given_name: z.string().nullable(),
    family_name: z.string().nullable(),
    picture: z.string().nullable(),
    locale: z.string().nullable(),
    nickname: z.string().nullable(),
    middle_name: z.string().nullable(),
    preferred_username: z.string().nullable(),
    website: z.string().nullable(),
    zoneinfo: z.string().nullable(),
    // Shown to the person, set by the app (astapa.account_profile_fields).
    birthdate: z.string().nullable(),
    gender: z.string().nullable(),
    created_at: z.string(),
  }),
  auth_time: z.number(),
  methods: z.array(SignInMethodSchema),
  /** addable: a number may be added here (astapa.phone_number_addable); second_factor: the phone is offered as one. */
  phone: z.object({ addable: z.boolean(), second_factor: z.boolean() }),
  /** enrolled: an authenticator app; phone: the phone factor is on; second_factors: what counts now. */
  factor: z.object({
    enrolled: z.boolean(),
    phone: z.boolean(),
    second_factors: z.array(z.enum(["passkey", "phone", "totp"])),
    recovery_codes_left: z.number(),
  }),
  pending_email: z.string().nullable(),
  /** The organization's IdP manages the address (astapa.sso_manages_email): no change form. */
  email_managed: z.boolean(),
  /** The address signs in through its organization's IdP only (enforced SSO): no password form. */
  sso_sign_in: z.boolean(),
  sessions: z.array(z.object({
    current: z.boolean(),
    user_agent: z.string().nullable(),
    created_at: z.string(),
    last_used_at: z.string(),
    /** The actor, when the project's support staff opened this session as the person (docs/impersonation.md). */
    impersonated_by: z.string().nullable().default(null),
  })),
  /** Third-party clients, one entry each: what their live tokens hold and what the person allowed them. */
  apps: z.array(z.object({
    client_id: z.string(),
    name: z.string(),
    /** A metadata-document client's URL host: the verified part of who it is. */
    host: z.string().optional(),
    scope: z.string(),
    since: z.string(),
    consents: z.array(z.object({
      resource: z.string(),
      resource_name: z.string().optional(),
      scopes: z.array(z.string()),
      granted_at: z.string(),
    })),
  })),
  passkeys: z.array(ListedPasskeySchema),
  organizations: z.array(z.object({
    organization_id: z.string(),
    organization_name: z.string(),
    role: z.string(),
    created_at: z.string(),
  })),
  subscription: z.object({
    plan: z.string(),
    status: z.string(),
    paid: z.boolean(),
    current_period_end: z.string().nullable(),
  }).nullable(),
});
export type AccountOverview = z.infer<typeof AccountOverview>;

/** What the account page shows the person behind the session (marking it used with this browser), or null. */
export async function accountOverview(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  userAgent: string | null,
): Promise<AccountOverview | null> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.account_overview(${sessionHash}, ${userAgent}) as o`,
    { actor: "account_page" },
  );
  return row.o === null ? null : AccountOverview.parse(row.o);
}

/** One change the page makes; each is one api.account_* call in one transaction, audited as the person. */
export type AccountChange =
  | { kind: "profile"; profile: ProfileInput }
  | { kind: "password"; passwordHash: string; freshSeconds: number; mail: AccountMail }
  | { kind: "email"; newEmail: string; tokenHash: Uint8Array; freshSeconds: number; mail: AccountMail }
  | { kind: "endOtherSessions" }
  | { kind: "unlink"; provider: string; subject: string; freshSeconds: number; mail?: AccountMail }
  | { kind: "revokeApp"; clientId: string }
  | { kind: "leaveOrganization"; organizationId: string }
  | { kind: "revokeConsent"; clientId: string; resource: string }
  | { kind: "delete"; typedEmail: string; freshSeconds: number; mail: AccountMail };

/** Makes one change for the person behind the session; returns what SQL answered (a count or a flag). */
export async function changeAccount(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  change: AccountChange,
): Promise<unknown> {
  const [row] = await asApp(sql, projectId, (tx) => {
    const s = sessionHash;
    switch (change.kind) {
      case "profile":
        return tx`select api.account_set_profile(${s}, ${JSON.stringify(change.profile)}::text::jsonb) as r`;
      case "password":
        return tx`select api.account_set_password(${s}, ${change.passwordHash}, ${change.freshSeconds},
          ${tx.json(change.mail)}) as r`;
      case "email":
        return tx`select api.account_request_email_change(${s}, ${change.newEmail}, ${change.tokenHash},
          ${change.freshSeconds}, ${tx.json(change.mail)}) as r`;
      case "endOtherSessions":
        return tx`select api.account_end_other_sessions(${s}) as r`;
      case "unlink":
        return tx`select api.account_unlink(${s}, ${change.provider}, ${change.subject}, ${change.freshSeconds},
          ${change.mail ? tx.json(change.mail) : null}) as r`;
      case "revokeApp":
        return tx`select api.account_revoke_app(${s}, ${change.clientId}) as r`;
      case "revokeConsent":
        return tx`select api.account_revoke_consent(${s}, ${change.clientId}, ${change.resource}) as r`;
      case "leaveOrganization":
        return tx`select api.account_leave_organization(${s}, ${change.organizationId}) as r`;
      case "delete":
        return tx`select api.delete_own_account(${s}, ${change.typedEmail}, ${change.freshSeconds},
          ${tx.json(change.mail)}) as r`;
    }
  }, { actor: "account_page" });
  return row.r;
}

/** Everything the project holds about the person (JSON), after a fresh sign-in. */
export async function exportAccount(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  freshSeconds: number,
): Promise<Record<string, unknown>> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.account_export(${sessionHash}, ${freshSeconds}) as e`,
    { actor: "account_page" },
  );
  return row.e as Record<string, unknown>;
}

/**
 * What an email-change link would do: the address it sets, and whether that is the account's own address
 * already (the link only confirms it).
 */
export const PendingEmailChange = z.object({ email: z.string(), own: z.boolean() });
export type PendingEmailChange = z.infer<typeof PendingEmailChange>;

/** What an email-change link would do, or null when the link is unknown, used or expired. */
export async function pendingEmailChange(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
): Promise<PendingEmailChange | null> {
  const [row] = await asApp(sql, projectId, (tx) => tx`select api.email_change_pending(${tokenHash}) as e`);
  return PendingEmailChange.nullable().parse(row.e);
}

/** What an email-change link did: a new address replaced the old, or the person's own one was confirmed. */
export type EmailChangeOutcome = "changed" | "confirmed";

/**
 * Uses an email-change link: the new address replaces the old, which is told (oldMail); a link to the
 * person's own unverified address only confirms it.
 */
export async function confirmEmailChange(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  oldMail: AccountMail,
): Promise<EmailChangeOutcome> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.confirm_email_change(${tokenHash}, ${tx.json(oldMail)}) as outcome`,
    { actor: "account_page" },
  );
  return z.enum(["changed", "confirmed"]).parse(row.outcome);
}

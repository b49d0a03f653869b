/** Typed calls for SCIM directory provisioning (db/api/scim.sql, docs/scim.md). */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";

/** A directory as the Platform API shows it (never its token). */
export const ScimDirectory = z.object({
  id: z.string(),
  organization_id: z.string(),
  token_active: z.boolean(),
  token_created_at: z.string().nullable(),
  created_at: z.string(),
  users: z.number(),
  active_users: z.number(),
});
export type ScimDirectory = z.infer<typeof ScimDirectory>;

/** A SCIM User resource as SQL builds it (RFC 7643 §4.1), without meta.location. */
export const ScimUserResource = z.looseObject({
  id: z.string(),
  userName: z.string(),
  meta: z.looseObject({ resourceType: z.literal("User") }),
});
export type ScimUserResource = z.infer<typeof ScimUserResource>;

/** What the SQL functions take: the attributes Astapa keeps, already checked (lib/scim/user_resource.ts). */
export type ScimUserInput = {
  userName: string;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  /** name.formatted as sent (the resource answers given + family when the IdP sent none). */
  formatted: string | null;
  displayName: string | null;
  /** The profile's nickname. */
  nickName: string | null;
  /** Accept-Language form ("en-US", "id, en;q=0.8"): its first language is the profile's locale. */
  preferredLanguage: string | null;
  /** The profile's locale when there is no preferredLanguage. */
  locale: string | null;
  /** An IANA time zone: the profile's zoneinfo. */
  timezone: string | null;
  emails: { value: string; type?: string; primary?: boolean }[];
  /** null: active on create, unchanged on replace. */
  active: boolean | null;
};

export const enableScimDirectory = (tx: Tx, organization: string, tokenHash: Uint8Array) =>
  result(
    tx`select api.enable_scim_directory(${organization}, ${tokenHash}) as result`,
    ScimDirectory.extend({ created: z.boolean() }),
  );

export const getScimDirectory = (tx: Tx, organization: string) =>
  result(tx`select api.get_scim_directory(${organization}) as result`, ScimDirectory);

export const listScimDirectories = (tx: Tx) =>
  result(tx`select api.list_scim_directories() as result`, z.array(ScimDirectory));

export const revokeScimToken = (tx: Tx, organization: string) =>
  result(tx`select api.revoke_scim_token(${organization}) as result`, ScimDirectory);

/** Who a directory's token acts for; null for an unknown directory or a wrong, rotated or revoked token. */
export const ScimCaller = z.object({ project_id: z.string(), organization_id: z.string() });
export type ScimCaller = z.infer<typeof ScimCaller>;

export function authenticateScimDirectory(
  sql: Sql,
  directory: string,
  tokenHash: Uint8Array,
): Promise<ScimCaller | null> {
  return asApp(
    sql,
    null,
    (tx) =>
      result(
        tx`select api.authenticate_scim_directory(${directory}, ${tokenHash}) as result`,
        ScimCaller.nullable(),
      ),
  );
}

/** A filter SQL understands: one attribute compared for equality (lib/scim/filter.ts). */
export type ScimEquality = {
  attribute: "userName" | "externalId" | "id" | "emails.value" | "name.givenName" | "name.familyName";
  value: string;
};

export const listScimUsers = (
  tx: Tx,
  directory: string,
  filter: ScimEquality | null,
  startIndex: number,
  count: number,
) =>
  result(
    tx`select api.scim_list_users(${directory}, ${filter?.attribute ?? null}, ${filter?.value ?? null},
                                  ${startIndex}::integer, ${count}::integer) as result`,
    z.object({ total: z.number(), resources: z.array(ScimUserResource) }),
  );

export const getScimUser = (tx: Tx, directory: string, id: string, forUpdate = false) =>
  result(tx`select api.scim_get_user(${directory}, ${id}, ${forUpdate}) as result`, ScimUserResource);

export const createScimUser = (tx: Tx, directory: string, input: ScimUserInput) =>
  result(tx`select api.scim_create_user(${directory}, ${tx.json(input)}) as result`, ScimUserResource);

export const replaceScimUser = (tx: Tx, directory: string, id: string, input: ScimUserInput) =>
  result(
    tx`select api.scim_replace_user(${directory}, ${id}, ${tx.json(input)}) as result`,
    ScimUserResource,
  );

export async function deleteScimUser(tx: Tx, directory: string, id: string): Promise<void> {
  await tx`select api.scim_delete_user(${directory}, ${id})`;
}

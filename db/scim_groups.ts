/** Typed calls for SCIM Groups and their organization-role mapping (db/api/scim_groups.sql, docs/scim.md). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

/** A SCIM Group resource as SQL builds it (RFC 7643 §4.2), without meta.location or the members' $ref. */
export const ScimGroupResource = z.looseObject({
  id: z.string(),
  displayName: z.string(),
  members: z.array(z.looseObject({ value: z.string() })).optional(),
  meta: z.looseObject({ resourceType: z.literal("Group") }),
});
export type ScimGroupResource = z.infer<typeof ScimGroupResource>;

/** A group as the Platform API shows it to the organization's admins. */
export const ScimGroupMapping = z.object({
  id: z.string(),
  directory_id: z.string(),
  display_name: z.string(),
  external_id: z.string().nullable(),
  /** The organization role it gives its members; null: unmapped. */
  role: z.string().nullable(),
  members: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ScimGroupMapping = z.infer<typeof ScimGroupMapping>;

/** What POST /Groups creates: checked by lib/scim/group_resource.ts. */
export type ScimGroupInput = { displayName: string; externalId: string | null; members: string[] };

/** One change of PUT or PATCH /Groups/{id}, applied in order (lib/scim/group_patch.ts). */
export type ScimGroupStep =
  | { op: "displayName" | "externalId"; value: string | null }
  | { op: "add" | "replace" | "remove"; ids: string[] }
  | { op: "remove_all" };

/** A filter on Groups: one attribute compared for equality (lib/scim/filter.ts). */
export type ScimGroupEquality = { attribute: "displayName" | "externalId" | "id"; value: string };

export const listScimGroups = (
  tx: Tx,
  directory: string,
  filter: ScimGroupEquality | null,
  paging: { startIndex: number; count: number },
  withMembers: boolean,
) =>
  result(
    tx`select api.scim_list_groups(${directory}, ${filter?.attribute ?? null}, ${filter?.value ?? null},
                                   ${paging.startIndex}::integer, ${paging.count}::integer, ${withMembers})
       as result`,
    z.object({ total: z.number(), resources: z.array(ScimGroupResource) }),
  );

export const getScimGroup = (tx: Tx, directory: string, id: string, withMembers: boolean) =>
  result(tx`select api.scim_get_group(${directory}, ${id}, ${withMembers}) as result`, ScimGroupResource);

export const createScimGroup = (tx: Tx, directory: string, input: ScimGroupInput) =>
  result(tx`select api.scim_create_group(${directory}, ${tx.json(input)}) as result`, ScimGroupResource);

export const changeScimGroup = (tx: Tx, directory: string, id: string, steps: ScimGroupStep[]) =>
  result(
    tx`select api.scim_change_group(${directory}, ${id}, ${tx.json(steps)}) as result`,
    ScimGroupResource,
  );

export async function deleteScimGroup(tx: Tx, directory: string, id: string): Promise<void> {
  await tx`select api.scim_delete_group(${directory}, ${id})`;
}

export const listScimGroupMappings = (tx: Tx, organization: string) =>
  result(tx`select api.list_scim_groups(${organization}) as result`, z.array(ScimGroupMapping));

export const mapScimGroup = (tx: Tx, organization: string, group: string, role: string | null) =>
  result(tx`select api.map_scim_group(${organization}, ${group}, ${role}) as result`, ScimGroupMapping);

/**
 * A SCIM Group as the IdP sends it (RFC 7643 §4.2) → what Astapa keeps: displayName, externalId and members (the
 * directory's User ids in `value`; Okta adds `display`, Entra ID `"$ref": null` — both ignored). At most
 * MAX_MEMBERS_PER_REQUEST members a request: Okta and Entra ID push large groups as PATCHes of a few members.
 */
import { z } from "zod";
import type { ScimGroupInput, ScimGroupResource, ScimGroupStep } from "@/db/scim_groups.ts";

/** Members a POST, PUT or PATCH may name (also refused by api.scim_change_group). */
export const MAX_MEMBERS_PER_REQUEST = 1000;

export const ScimMember = z.looseObject({ value: z.string().trim().min(1).max(64) });

export const ScimGroupMembers = z.array(ScimMember).max(
  MAX_MEMBERS_PER_REQUEST,
  `at most ${MAX_MEMBERS_PER_REQUEST} members a request`,
);

/** The request body of POST /Groups and PUT /Groups/{id}. */
export const ScimGroupBody = z.looseObject({
  schemas: z.array(z.string().max(200)).max(10).optional(),
  displayName: z.string().trim().min(1, "displayName is required").max(255),
  externalId: z.string().trim().max(255).nullish(),
  members: ScimGroupMembers.nullish(),
});
export type ScimGroupBody = z.infer<typeof ScimGroupBody>;

/** What POST /Groups creates. */
export function groupInput(body: ScimGroupBody): ScimGroupInput {
  return {
    displayName: body.displayName,
    externalId: body.externalId || null,
    members: (body.members ?? []).map((m) => m.value),
  };
}

/** PUT /Groups/{id} as steps: every attribute replaced (members left out: none). */
export function replaceSteps(body: ScimGroupBody): ScimGroupStep[] {
  return [
    { op: "displayName", value: body.displayName },
    { op: "externalId", value: body.externalId || null },
    { op: "replace", ids: (body.members ?? []).map((m) => m.value) },
  ];
}

/** The resource with meta.location and each member's $ref, which only the app can build (RFC 7644 §3.1). */
export function withGroupLocation(resource: ScimGroupResource, baseUrl: string): ScimGroupResource {
  return {
    ...resource,
    ...(resource.members
      ? { members: resource.members.map((m) => ({ ...m, $ref: `${baseUrl}/Users/${m.value}` })) }
      : {}),
    meta: { ...resource.meta, location: `${baseUrl}/Groups/${resource.id}` },
  };
}

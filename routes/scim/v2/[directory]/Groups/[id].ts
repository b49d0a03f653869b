/**
 * SCIM /Groups/{id} (RFC 7644 §3.4.1, §3.5, §3.6): GET one group (`excludedAttributes=members` leaves its members
 * out), PUT replaces it, PATCH adds, removes or replaces members and renames it (lib/scim/group_patch.ts), DELETE
 * removes it. A mapped group's members gained or lost change role (db/api/scim_groups.sql).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { SCIM_TOKEN } from "@/lib/router/callers.ts";
import { changeScimGroup, deleteScimGroup, getScimGroup, type ScimGroupResource } from "@/db/scim_groups.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { readScimBody } from "@/lib/scim/body.ts";
import { asDirectory, scimOf } from "@/lib/scim/caller.ts";
import { withMembers } from "@/lib/scim/filter.ts";
import { groupPatchSteps } from "@/lib/scim/group_patch.ts";
import { PatchBody } from "@/lib/scim/patch.ts";
import { scimJson } from "@/lib/scim/problem.ts";
import { replaceSteps, ScimGroupBody, withGroupLocation } from "@/lib/scim/group_resource.ts";

export const callers = SCIM_TOKEN;

/** The group as answered: its members left out when the request excluded them. */
function answer(c: Ctx, group: ScimGroupResource): Response {
  const shown = withMembers(c.req.query("attributes"), c.req.query("excludedAttributes"))
    ? group
    : { ...group, members: undefined };
  return scimJson(withGroupLocation(shown, scimOf(c).baseUrl));
}

export const handler: Handlers = {
  async GET(c) {
    const id = c.req.param("id") ?? "";
    const members = withMembers(c.req.query("attributes"), c.req.query("excludedAttributes"));
    return answer(c, await asDirectory(c, (tx, dir) => getScimGroup(tx, dir, id, members)));
  },
  async PUT(c) {
    const id = c.req.param("id") ?? "";
    const steps = replaceSteps(await readScimBody(c, ScimGroupBody));
    return answer(c, await asDirectory(c, (tx, dir) => changeScimGroup(tx, dir, id, steps)));
  },
  async PATCH(c) {
    const id = c.req.param("id") ?? "";
    const steps = groupPatchSteps((await readScimBody(c, PatchBody)).Operations);
    return answer(c, await asDirectory(c, (tx, dir) => changeScimGroup(tx, dir, id, steps)));
  },
  async DELETE(c) {
    const id = c.req.param("id") ?? "";
    await asDirectory(c, (tx, dir) => deleteScimGroup(tx, dir, id));
    return new Response(null, { status: 204 });
  },
};

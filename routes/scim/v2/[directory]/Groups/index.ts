/**
 * SCIM /Groups (RFC 7644 §3.3, §3.4.2): GET lists the directory's groups — by `filter` (displayName, externalId or id
 * eq "…", how Okta and Entra ID find a group before pushing it), with startIndex/count paging and without members
 * on `excludedAttributes=members` — and POST creates one (unmapped: it changes no role until the organization's
 * admins map it; db/api/scim_groups.sql).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { SCIM_TOKEN } from "@/lib/router/callers.ts";
import { createScimGroup, listScimGroups } from "@/db/scim_groups.ts";
import { readScimBody } from "@/lib/scim/body.ts";
import { asDirectory, scimOf } from "@/lib/scim/caller.ts";
import { parseGroupFilter, parsePaging, withMembers } from "@/lib/scim/filter.ts";
import { scimJson } from "@/lib/scim/problem.ts";
import { groupInput, ScimGroupBody, withGroupLocation } from "@/lib/scim/group_resource.ts";
import { listResponse } from "@/lib/scim/discovery.ts";

export const callers = SCIM_TOKEN;

export const handler: Handlers = {
  async GET(c) {
    const filter = parseGroupFilter(c.req.query("filter"));
    const paging = parsePaging(c.req.query("startIndex"), c.req.query("count"));
    const members = withMembers(c.req.query("attributes"), c.req.query("excludedAttributes"));
    const { baseUrl } = scimOf(c);
    const page = await asDirectory(c, (tx, dir) => listScimGroups(tx, dir, filter, paging, members));
    const resources = page.resources.map((r) => withGroupLocation(r, baseUrl));
    return scimJson({ ...listResponse(resources, page.total), startIndex: paging.startIndex });
  },
  async POST(c) {
    const input = groupInput(await readScimBody(c, ScimGroupBody));
    const created = await asDirectory(c, (tx, dir) => createScimGroup(tx, dir, input));
    const resource = withGroupLocation(created, scimOf(c).baseUrl);
    return scimJson(resource, 201, { location: resource.meta.location as string });
  },
};

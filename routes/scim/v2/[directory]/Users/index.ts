/**
 * SCIM /Users (RFC 7644 §3.3, §3.4.2): GET lists the directory's people — by `filter` (userName, externalId, id or
 * emails.value eq "…", what Okta and Entra ID send before creating someone) with startIndex/count paging — and
 * POST provisions one (db/api/scim.sql api.scim_create_user: the domain guard, linking, membership).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { SCIM_TOKEN } from "@/lib/router/callers.ts";
import { createScimUser, listScimUsers } from "@/db/scim.ts";
import { readScimBody } from "@/lib/scim/body.ts";
import { asDirectory, scimOf } from "@/lib/scim/caller.ts";
import { parseFilter, parsePaging } from "@/lib/scim/filter.ts";
import { scimJson } from "@/lib/scim/problem.ts";
import { ScimUserBody, userInput, withLocation } from "@/lib/scim/user_resource.ts";
import { listResponse } from "@/lib/scim/discovery.ts";

export const callers = SCIM_TOKEN;

export const handler: Handlers = {
  async GET(c) {
    const filter = parseFilter(c.req.query("filter"));
    const { startIndex, count } = parsePaging(c.req.query("startIndex"), c.req.query("count"));
    const { baseUrl } = scimOf(c);
    const page = await asDirectory(c, (tx, dir) => listScimUsers(tx, dir, filter, startIndex, count));
    const resources = page.resources.map((r) => withLocation(r, baseUrl));
    return scimJson({ ...listResponse(resources, page.total), startIndex });
  },
  async POST(c) {
    const input = userInput(await readScimBody(c, ScimUserBody));
    const created = await asDirectory(c, (tx, dir) => createScimUser(tx, dir, input));
    const resource = withLocation(created, scimOf(c).baseUrl);
    return scimJson(resource, 201, { location: resource.meta.location as string });
  },
};

/**
 * SCIM /Users/{id} (RFC 7644 §3.4.1, §3.5, §3.6): GET one person, PUT replaces their attributes, PATCH applies
 * add/replace/remove operations (lib/scim/patch.ts; read, applied and replaced in one transaction), DELETE
 * deprovisions them and removes the resource. active false deprovisions, true re-provisions (db/api/scim.sql).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { SCIM_TOKEN } from "@/lib/router/callers.ts";
import { deleteScimUser, getScimUser, replaceScimUser } from "@/db/scim.ts";
import { readScimBody, validateScim } from "@/lib/scim/body.ts";
import { asDirectory, scimOf } from "@/lib/scim/caller.ts";
import { applyPatch, PatchBody } from "@/lib/scim/patch.ts";
import { scimJson } from "@/lib/scim/problem.ts";
import { resourceBody, ScimUserBody, userInput, withLocation } from "@/lib/scim/user_resource.ts";

export const callers = SCIM_TOKEN;

export const handler: Handlers = {
  async GET(c) {
    const id = c.req.param("id") ?? "";
    const found = await asDirectory(c, (tx, dir) => getScimUser(tx, dir, id));
    return scimJson(withLocation(found, scimOf(c).baseUrl));
  },
  async PUT(c) {
    const id = c.req.param("id") ?? "";
    const input = userInput(await readScimBody(c, ScimUserBody));
    const replaced = await asDirectory(c, (tx, dir) => replaceScimUser(tx, dir, id, input));
    return scimJson(withLocation(replaced, scimOf(c).baseUrl));
  },
  async PATCH(c) {
    const id = c.req.param("id") ?? "";
    const { Operations } = await readScimBody(c, PatchBody);
    const patched = await asDirectory(c, async (tx, dir) => {
      const current = await getScimUser(tx, dir, id, true);
      const input = userInput(validateScim(ScimUserBody, applyPatch(resourceBody(current), Operations)));
      return replaceScimUser(tx, dir, id, input);
    });
    return scimJson(withLocation(patched, scimOf(c).baseUrl));
  },
  async DELETE(c) {
    const id = c.req.param("id") ?? "";
    await asDirectory(c, (tx, dir) => deleteScimUser(tx, dir, id));
    return new Response(null, { status: 204 });
  },
};

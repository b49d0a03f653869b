/**
 * The Platform API's SCIM directory of an organization (docs/scim.md): POST turns it on, or gives it a new token
 * (the old one dies at once), and answers the token this once with the SCIM base URL; GET shows it (never the
 * token); DELETE revokes the token (the directory then answers nobody; its people stay as they are).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { enableScimDirectory, getScimDirectory, revokeScimToken, type ScimDirectory } from "@/db/scim.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { newScimToken, scimBaseUrl } from "@/lib/scim/caller.ts";
import { sha256 } from "@/lib/secrets.ts";

export const callers = clients("project");

const shown = (issuer: string, directory: ScimDirectory) => ({
  ...directory,
  base_url: scimBaseUrl(issuer, directory.id),
});

export const handler: Handlers = {
  async GET(c) {
    const id = organizationParam(c);
    const directory = await asClient(c, (tx) => getScimDirectory(tx, id));
    return c.json(shown(c.var.deps.config.baseUrl, directory), 200, NO_STORE);
  },
  async POST(c) {
    const id = organizationParam(c);
    const token = newScimToken();
    const hash = await sha256(token);
    const { created, ...directory } = await asClient(c, (tx) => enableScimDirectory(tx, id, hash));
    return c.json({ ...shown(c.var.deps.config.baseUrl, directory), token }, created ? 201 : 200, NO_STORE);
  },
  async DELETE(c) {
    const id = organizationParam(c);
    await asClient(c, (tx) => revokeScimToken(tx, id));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "An organization's SCIM directory: its base URL and whether a token is active (never the token)",
    auth: "client",
    responses: { 200: { description: "The directory" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
  post: {
    tag: "Organizations",
    summary: "Turn on an organization's SCIM directory, or rotate its token: the token is answered this once",
    auth: "client",
    responses: {
      200: { description: "A new token; the old one no longer works" },
      201: { description: "Turned on, with its token" },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
  delete: {
    tag: "Organizations",
    summary: "Revoke an organization's SCIM token (its provisioned people stay as they are)",
    auth: "client",
    responses: { 204: { description: "Revoked" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
};

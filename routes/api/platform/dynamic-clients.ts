import type { Handlers } from "@/lib/router/routes.ts";
import { getProject, updateProject } from "@/db/projects.ts";
import { readBody } from "@/lib/http/body.ts";
import { DynamicClientsBody } from "@/lib/platform/registry_body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/**
 * The per-project switches deciding whether self-registered (RFC 7591) clients (settings.dynamic_clients) and
 * clients known by a Client ID Metadata Document URL (settings.client_metadata_documents) may sign people in
 * for this project's resources. See docs/mcp.md.
 */
export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json(switches(project.settings), 200, NO_STORE);
  },
  async PUT(c) {
    const body = await readBody(c, DynamicClientsBody, ["json"]);
    const project = await asClient(c, async (tx, projectId) => {
      const { settings } = await getProject(tx, projectId);
      const changed = {
        ...(body.enabled === undefined ? {} : { dynamic_clients: body.enabled }),
        ...(body.client_metadata_documents === undefined
          ? {}
          : { client_metadata_documents: body.client_metadata_documents }),
      };
      return await updateProject(tx, projectId, { settings: { ...settings, ...changed } });
    });
    return c.json(switches(project.settings), 200, NO_STORE);
  },
};

function switches(settings: Record<string, unknown>) {
  return {
    enabled: settings.dynamic_clients === true,
    client_metadata_documents: settings.client_metadata_documents === true,
  };
}

export const openapi: RouteDoc = {
  get: {
    tag: "Machine clients",
    summary: "Whether dynamically registered clients may sign people in for this project",
    auth: "client",
    responses: { 200: { description: "{enabled, client_metadata_documents}" }, 401: COMMON_ERRORS[401] },
  },
  put: {
    tag: "Machine clients",
    summary:
      "Turn dynamically registered (RFC 7591) and metadata-document clients on or off for this project",
    auth: "client",
    body: { schema: DynamicClientsBody, media: ["json"] },
    responses: { 200: { description: "{enabled, client_metadata_documents}" }, ...COMMON_ERRORS },
  },
};

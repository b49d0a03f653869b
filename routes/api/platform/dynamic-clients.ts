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
 * The per-project switch (settings.dynamic_clients) deciding whether self-registered (RFC 7591) clients may sign
 * people in for this project's resources. See docs/mcp.md.
 */
export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json({ enabled: project.settings.dynamic_clients === true }, 200, NO_STORE);
  },
  async PUT(c) {
    const { enabled } = await readBody(c, DynamicClientsBody, ["json"]);
    const project = await asClient(c, async (tx, projectId) => {
      const { settings } = await getProject(tx, projectId);
      return await updateProject(tx, projectId, { settings: { ...settings, dynamic_clients: enabled } });
    });
    return c.json({ enabled: project.settings.dynamic_clients === true }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Machine clients",
    summary: "Whether dynamically registered clients may sign people in for this project",
    auth: "client",
    responses: { 200: { description: "{enabled}" }, 401: COMMON_ERRORS[401] },
  },
  put: {
    tag: "Machine clients",
    summary: "Turn dynamically registered (RFC 7591) clients on or off for this project",
    auth: "client",
    body: { schema: DynamicClientsBody, media: ["json"] },
    responses: { 200: { description: "{enabled}" }, ...COMMON_ERRORS },
  },
};

import type { Handlers } from "../../../lib/router/routes.ts";
import { asApp } from "../../../db/client.ts";
import { getProject, updateProject } from "../../../db/projects.ts";
import { readBody } from "../../../lib/http/body.ts";
import { DynamicClientsBody } from "../../../lib/http/registry_body.ts";
import { authenticateProject } from "../../../lib/oauth/authenticate_client.ts";
import { COMMON_ERRORS, type RouteDoc } from "../../../lib/openapi.ts";

const NO_STORE = { "cache-control": "no-store" };

/**
 * The per-project switch (settings.dynamic_clients) deciding whether self-registered (RFC 7591) clients may sign
 * people in for this project's resources. See docs/mcp.md.
 */
export const handler: Handlers = {
  async GET(c) {
    const projectId = await authenticateProject(c);
    const project = await asApp(c.var.deps.sql, projectId, (tx) => getProject(tx, projectId));
    return c.json({ enabled: project.settings.dynamic_clients === true }, 200, NO_STORE);
  },
  async PUT(c) {
    const projectId = await authenticateProject(c);
    const { enabled } = await readBody(c, DynamicClientsBody, ["json"]);
    const project = await asApp(c.var.deps.sql, projectId, async (tx) => {
      const { settings } = await getProject(tx, projectId);
      return await updateProject(tx, projectId, { settings: { ...settings, dynamic_clients: enabled } });
    }, { actor: "api" });
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

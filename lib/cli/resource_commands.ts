/** `astapa resource …` and `astapa scope …`: a project's protected resources and declared scopes. */
import { asApp, type Sql } from "@/db/client.ts";
import {
  addResource,
  assignResource,
  declareScope,
  listResources,
  listScopes,
  removeResource,
  removeScope,
} from "@/db/resources.ts";
import { getProject, updateProject } from "@/db/projects.ts";
import { canonicalResource } from "../oauth/scope.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const RESOURCE_USAGE = `  resource add --project ID URI [--name N]
                             register a protected resource (API or MCP server URL; unique deployment-wide)
  resource assign --project ID URI [--name N]
                             deployment owner: give URI to this project, taking it from any other
                             (settles a dispute; the owner's word counts as proof of control)
  resource list|remove --project ID [URI]
  resource dynamic-clients on|off --project ID
                             let self-registered (RFC 7591) clients sign people in for these resources
  resource client-metadata-documents on|off --project ID
                             let clients known by a metadata document URL sign people in for them
  scope add --project ID NAME [--description D]
                             declare a scope machine clients may be given
  scope list|remove --project ID [NAME]`;

const CLI = { actor: "cli" };

export async function resourceCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  const project = () => flag(args, "project", true);
  switch (action) {
    case "add": {
      allowFlags(args, ["project", "name"]);
      const [uri] = operands(args, 2, ["URI"]);
      const added = await asApp(
        sql,
        project(),
        (tx) => addResource(tx, canonical(uri), flag(args, "name")),
        CLI,
      );
      out.result(added, `Registered ${added.uri}.`);
      return 0;
    }
    case "assign": {
      allowFlags(args, ["project", "name"]);
      const [uri] = operands(args, 2, ["URI"]);
      const assigned = await asApp(
        sql,
        null,
        (tx) => assignResource(tx, canonical(uri), project(), flag(args, "name")),
        CLI,
      );
      out.result(assigned, `Assigned ${assigned.uri} to ${project()}.`);
      return 0;
    }
    case "list": {
      allowFlags(args, ["project"]);
      operands(args, 2, []);
      const resources = await asApp(sql, project(), (tx) => listResources(tx), CLI);
      out.result(
        resources,
        resources.map((r) => `${r.uri}  ${r.name}`.trimEnd()).join(
          "\n",
        ) || "No resources.",
      );
      return 0;
    }
    case "remove": {
      allowFlags(args, ["project"]);
      const [uri] = operands(args, 2, ["URI"]);
      await asApp(sql, project(), (tx) => removeResource(tx, canonical(uri)), CLI);
      out.result({ uri: canonical(uri), removed: true }, `Removed ${canonical(uri)}.`);
      return 0;
    }
    case "dynamic-clients":
    case "client-metadata-documents": {
      allowFlags(args, ["project"]);
      const [state] = operands(args, 2, ["on|off"]);
      if (state !== "on" && state !== "off") throw new UsageError('Say "on" or "off".');
      const key = action === "dynamic-clients" ? "dynamic_clients" : "client_metadata_documents";
      const id = project();
      const updated = await asApp(sql, id, async (tx) => {
        const { settings } = await getProject(tx, id);
        return await updateProject(tx, id, { settings: { ...settings, [key]: state === "on" } });
      }, CLI);
      const on = updated.settings[key] === true;
      const what = key === "dynamic_clients"
        ? "Dynamically registered clients"
        : "Clients known by a metadata document URL";
      out.result(
        { project_id: updated.project_id, [key]: on },
        `${what} for ${updated.project_id}: ${on ? "accepted" : "refused"}.`,
      );
      return 0;
    }
  }
  throw new UsageError(`Unknown resource command "${action ?? ""}"`);
}

export async function scopeCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  const project = () => flag(args, "project", true);
  switch (action) {
    case "add": {
      allowFlags(args, ["project", "description"]);
      const [name] = operands(args, 2, ["NAME"]);
      const scope = await asApp(
        sql,
        project(),
        (tx) => declareScope(tx, name, flag(args, "description")),
        CLI,
      );
      out.result(scope, `Declared ${scope.name}.`);
      return 0;
    }
    case "list": {
      allowFlags(args, ["project"]);
      operands(args, 2, []);
      const scopes = await asApp(sql, project(), (tx) => listScopes(tx), CLI);
      out.result(
        scopes,
        scopes.map((s) => `${s.name}  ${s.description}`.trimEnd()).join("\n") || "No scopes.",
      );
      return 0;
    }
    case "remove": {
      allowFlags(args, ["project"]);
      const [name] = operands(args, 2, ["NAME"]);
      await asApp(sql, project(), (tx) => removeScope(tx, name), CLI);
      out.result({ name, removed: true }, `Removed ${name}.`);
      return 0;
    }
  }
  throw new UsageError(`Unknown scope command "${action ?? ""}"`);
}

/** The stored form (canonicalResource): `https://HOST/mcp/` and `https://host/mcp` are one resource. */
function canonical(uri: string): string {
  const form = canonicalResource(uri);
  if (form === null) {
    throw new UsageError(`${uri} is not an absolute URI without a fragment or user information.`);
  }
  return form;
}

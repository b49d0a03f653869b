/** `astapa project …`: create and inspect projects, their mode, client secret and redirect URIs. */
import { asApp, type Sql } from "@/db/client.ts";
import {
  addRedirectUri,
  createProject,
  getProject,
  listProjects,
  ModeSchema,
  type Project,
  removeRedirectUri,
  rotateClientSecret,
  updateProject,
} from "@/db/projects.ts";
import { loadConfig } from "@/config.ts";
import { hasLiveDeploymentXendit } from "../payments/accounts.ts";
import { allowFlags, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";
import { BRANDING_USAGE, brandingCommand } from "./branding_commands.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { dpopRequiredChange, dpopSettingsOf } from "../oauth/dpop_settings.ts";

export const PROJECT_USAGE = `  project create --name N --redirect-uri URL [--redirect-uri URL …]
                             create a project (sandbox); prints its client secret, once
  project list               list every project
  project show ID            show a project
  project mode ID sandbox|production
                             switch the mode new users are created in
  project rotate-secret ID   issue a new client secret; the old one stops working at once
  project redirect-uri add|remove ID URL
                             allow or stop allowing a redirect URI (https, or http on localhost only)
  project dpop ID [required|optional]
                             show or set whether every token request of the project's clients needs a DPoP proof
  project initiate-login-uri ID [URL|none]
                             show or set where mailed links (admin resets, waitlist approvals) start sign-ins
${BRANDING_USAGE}`;

const CLI = { actor: "cli" };

export async function projectCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  switch (action) {
    case "create": {
      allowFlags(args, ["name", "redirect-uri"]);
      operands(args, 2, []);
      const name = args.flags.get("name");
      const redirectUris = args.flags.get("redirect-uri") ?? [];
      if (name?.length !== 1) throw new UsageError("--name is required, once");
      if (!redirectUris.length) throw new UsageError("--redirect-uri is required (repeat it for more)");
      const project = await asApp(sql, null, (tx) => createProject(tx, { name: name[0], redirectUris }), CLI);
      out.result(
        {
          project_id: project.project_id,
          client_id: project.client_id,
          client_secret: project.client_secret,
          mode: project.mode,
        },
        table([
          ["project_id", project.project_id],
          ["client_id", project.client_id],
          ["client_secret", `${project.client_secret}  (shown once: store it now)`],
          ["mode", project.mode],
        ]),
      );
      return 0;
    }
    case "list": {
      allowFlags(args, []);
      operands(args, 2, []);
      const projects = await asApp(sql, null, (tx) => listProjects(tx), CLI);
      out.result(
        projects,
        projects.map((p) => `${p.project_id}  ${p.mode.padEnd(10)}  ${p.name}`).join("\n") || "No projects.",
      );
      return 0;
    }
    case "show": {
      allowFlags(args, []);
      const [id] = operands(args, 2, ["ID"]);
      showProject(out, await asApp(sql, id, (tx) => getProject(tx, id), CLI));
      return 0;
    }
    case "mode": {
      allowFlags(args, []);
      const [id, mode] = operands(args, 2, ["ID", "sandbox|production"]);
      const parsed = ModeSchema.safeParse(mode);
      if (!parsed.success) throw new UsageError(`Mode must be sandbox or production, not "${mode}"`);
      // Going live needs live Xendit keys: the project's own, or the deployment's (XENDIT_* in this env).
      const deploymentLiveXendit = hasLiveDeploymentXendit(loadConfig());
      showProject(
        out,
        await asApp(sql, id, (tx) => updateProject(tx, id, { mode: parsed.data, deploymentLiveXendit }), CLI),
      );
      return 0;
    }
    case "rotate-secret": {
      allowFlags(args, []);
      const [id] = operands(args, 2, ["ID"]);
      const project = await asApp(sql, id, (tx) => rotateClientSecret(tx, id), CLI);
      out.result(
        {
          project_id: project.project_id,
          client_id: project.client_id,
          client_secret: project.client_secret,
        },
        table([
          ["project_id", project.project_id],
          ["client_id", project.client_id],
          ["client_secret", `${project.client_secret}  (shown once: the old secret no longer works)`],
        ]),
      );
      return 0;
    }
    case "branding":
      return await brandingCommand(sql, args, out);
    case "dpop": {
      allowFlags(args, []);
      const [id, choice, ...extra] = args.positionals.slice(2);
      if (
        id === undefined || extra.length ||
        (choice !== undefined && !["required", "optional"].includes(choice))
      ) {
        throw new UsageError('Expected ID and optionally required or optional after "project dpop"');
      }
      const project = await asApp(
        sql,
        id,
        (tx) =>
          choice === undefined
            ? getProject(tx, id)
            : updateProjectSettings(tx, id, dpopRequiredChange(choice === "required")),
        CLI,
      );
      const { required } = dpopSettingsOf(project.settings);
      out.result(
        { project_id: project.project_id, required },
        `DPoP for ${project.project_id}: ${required ? "required of every client" : "optional"}`,
      );
      return 0;
    }
    case "initiate-login-uri": {
      allowFlags(args, []);
      const [id, uri, ...extra] = args.positionals.slice(2);
      if (id === undefined || extra.length) {
        throw new UsageError('Expected ID and optionally a URL or none after "project initiate-login-uri"');
      }
      const change = { initiate_login_uri: uri === "none" ? null : uri };
      const project = await asApp(
        sql,
        id,
        (tx) => uri === undefined ? getProject(tx, id) : updateProjectSettings(tx, id, change),
        CLI,
      );
      const current = project.settings.initiate_login_uri;
      const shown = typeof current === "string" ? current : null;
      out.result(
        { project_id: project.project_id, initiate_login_uri: shown },
        `initiate_login_uri of ${project.project_id}: ${
          shown ?? "(none: mailed links cannot start a sign-in)"
        }`,
      );
      return 0;
    }
    case "redirect-uri": {
      allowFlags(args, []);
      const [change, id, uri] = operands(args, 2, ["add|remove", "ID", "URL"]);
      if (change !== "add" && change !== "remove") {
        throw new UsageError(`Expected add or remove after "project redirect-uri", not "${change}"`);
      }
      const apply = change === "add" ? addRedirectUri : removeRedirectUri;
      showProject(out, await asApp(sql, id, (tx) => apply(tx, id, uri), CLI));
      return 0;
    }
  }
  throw new UsageError(`Unknown project command "${action ?? ""}"`);
}

function showProject(out: Output, project: Project): void {
  out.result(
    project,
    table([
      ["project_id", project.project_id],
      ["name", project.name],
      ["mode", project.mode],
      ["client_id", project.client_id],
      ["redirect_uris", project.redirect_uris.join("\n               ") || "(none)"],
      ["created_at", project.created_at],
    ]),
  );
}

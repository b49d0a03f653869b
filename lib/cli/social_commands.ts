/** `astapa social …`: per-project Google/GitHub sign-in (on, off, own credentials, back to the default). */
import { asApp, type Sql } from "@/db/client.ts";
import { getProject, updateProject } from "@/db/projects.ts";
import { loadConfig } from "@/config.ts";
import { loadMasterKeys } from "../tokens/master_key.ts";
import { isProvider, sealProviderSecret } from "../login/social/providers.ts";
import { allowFlags, operands, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const SOCIAL_USAGE = `  social ID google|github off turn the provider off for the project (no button)
  social ID google|github default
                             use the deployment's GOOGLE_* / GITHUB_* credentials again
  social ID google|github credentials --client-id X --client-secret Y
                             use the project's own OAuth app (the secret is stored sealed)`;

const CLI = { actor: "cli" };

export async function socialCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [id, provider, action] = operands(args, 1, ["ID", "google|github", "off|default|credentials"]);
  if (!isProvider(provider)) throw new UsageError(`Provider must be google or github, not "${provider}"`);
  let entry: Record<string, unknown> | undefined;
  if (action === "off") {
    allowFlags(args, []);
    entry = { enabled: false };
  } else if (action === "default") {
    allowFlags(args, []);
  } else if (action === "credentials") {
    allowFlags(args, ["client-id", "client-secret"]);
    const clientId = args.flags.get("client-id");
    const secret = args.flags.get("client-secret");
    if (clientId?.length !== 1 || secret?.length !== 1) {
      throw new UsageError("--client-id and --client-secret are required, once each");
    }
    const keys = await loadMasterKeys(loadConfig());
    entry = {
      client_id: clientId[0],
      client_secret_sealed: await sealProviderSecret(keys.social, id, provider, secret[0]),
    };
  } else {
    throw new UsageError(`Expected off, default or credentials, not "${action ?? ""}"`);
  }
  const project = await asApp(sql, id, async (tx) => {
    const current = await getProject(tx, id);
    const social = { ...(current.settings.social_login as Record<string, unknown> | undefined) };
    if (entry) social[provider] = entry;
    else delete social[provider];
    return await updateProject(tx, id, { settings: { ...current.settings, social_login: social } });
  }, CLI);
  const shown = (project.settings.social_login as Record<string, Record<string, unknown>>)[provider];
  out.result(
    {
      project_id: project.project_id,
      provider,
      enabled: shown?.enabled !== false,
      client_id: shown?.client_id,
    },
    `${provider} for ${project.project_id}: ${
      action === "off"
        ? "off"
        : action === "default"
        ? "deployment credentials"
        : `own app ${shown.client_id}`
    }`,
  );
  return 0;
}

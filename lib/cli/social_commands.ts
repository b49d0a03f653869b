/**
 * `astapa social …`: per-project Google/Apple/GitHub/Microsoft sign-in (on, off, own credentials, back to the
 * default).
 */
import { asApp, type Sql } from "@/db/client.ts";
import { getProject, updateProject } from "@/db/projects.ts";
import { loadConfig, MICROSOFT_TENANT_PATTERN } from "@/config.ts";
import { loadMasterKeys } from "../tokens/master_key.ts";
import { isProvider, sealProviderSecret } from "../login/social/providers.ts";
import {
  APPLE_SERVICES_ID,
  APPLE_TEN_CHARACTER_ID,
  applePem,
  isApplePrivateKey,
} from "../login/social/apple_key.ts";
import { allowFlags, operands, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const SOCIAL_USAGE = `  social ID google|apple|github|microsoft off
                             turn the provider off for the project (no button)
  social ID google|apple|github|microsoft default
                             use the deployment's GOOGLE_* / APPLE_* / GITHUB_* / MICROSOFT_* credentials again
  social ID google|github credentials --client-id X --client-secret Y
                             use the project's own OAuth app (the secret is stored sealed)
  social ID microsoft credentials --client-id X --client-secret Y [--tenant T]
                             the project's own app registration; T: common (default), organizations,
                             consumers, a tenant ID or a domain
  social ID apple credentials --client-id SERVICES_ID --team-id T --key-id K --private-key-file KEY.p8
                             use the project's own Apple key (the key is stored sealed)`;

const CLI = { actor: "cli" };

export async function socialCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [id, provider, action] = operands(args, 1, [
    "ID",
    "google|apple|github|microsoft",
    "off|default|credentials",
  ]);
  if (!isProvider(provider)) {
    throw new UsageError(`Provider must be google, apple, github or microsoft, not "${provider}"`);
  }
  let entry: Record<string, unknown> | undefined;
  if (action === "off") {
    allowFlags(args, []);
    entry = { enabled: false };
  } else if (action === "default") {
    allowFlags(args, []);
  } else if (action === "credentials" && provider === "apple") {
    entry = await appleEntry(args, id);
  } else if (action === "credentials") {
    allowFlags(
      args,
      provider === "microsoft" ? ["client-id", "client-secret", "tenant"] : ["client-id", "client-secret"],
    );
    const clientId = args.flags.get("client-id");
    const secret = args.flags.get("client-secret");
    if (clientId?.length !== 1 || secret?.length !== 1) {
      throw new UsageError("--client-id and --client-secret are required, once each");
    }
    const tenant = args.flags.get("tenant");
    if (tenant && (tenant.length !== 1 || !MICROSOFT_TENANT_PATTERN.test(tenant[0]))) {
      throw new UsageError("--tenant is common, organizations, consumers, a tenant ID or a domain, once");
    }
    const keys = await loadMasterKeys(loadConfig());
    entry = {
      client_id: clientId[0],
      client_secret_sealed: await sealProviderSecret(keys.social, id, provider, secret[0]),
      ...(provider === "microsoft" ? { tenant: tenant?.[0] ?? "common" } : {}),
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

/** Apple's own app from flags; the private key is read from its .p8 file (never a flag: shells keep history). */
async function appleEntry(args: ParsedArgs, projectId: string): Promise<Record<string, unknown>> {
  allowFlags(args, ["client-id", "team-id", "key-id", "private-key-file"]);
  const one = (flag: string) => {
    const values = args.flags.get(flag);
    if (values?.length !== 1) {
      throw new UsageError("--client-id, --team-id, --key-id and --private-key-file are required, once each");
    }
    return values[0];
  };
  const [clientId, teamId, keyId, file] = ["client-id", "team-id", "key-id", "private-key-file"].map(one);
  if (!APPLE_SERVICES_ID.test(clientId)) {
    throw new UsageError("--client-id is the Services ID (com.example.signin)");
  }
  if (!APPLE_TEN_CHARACTER_ID.test(teamId) || !APPLE_TEN_CHARACTER_ID.test(keyId)) {
    throw new UsageError("--team-id and --key-id are 10 capital letters and digits each");
  }
  let pem: string;
  try {
    pem = applePem(await Deno.readTextFile(file));
  } catch {
    throw new UsageError(`Cannot read the private key file ${file}`);
  }
  if (!(await isApplePrivateKey(pem))) {
    throw new UsageError("The private key file is not an Apple .p8 key (PKCS#8, P-256)");
  }
  const keys = await loadMasterKeys(loadConfig());
  return {
    client_id: clientId,
    team_id: teamId,
    key_id: keyId,
    private_key_sealed: await sealProviderSecret(keys.social, projectId, "apple", pem),
  };
}

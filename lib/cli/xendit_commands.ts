/**
 * `astapa xendit …`: a project's own Xendit keys per environment, as the dashboard's Xendit settings set them.
 * The secret key and callback token never come from argv (shell history, `ps`): stdin or the environment.
 */
import { z } from "zod";
import { asApp, type Sql } from "@/db/client.ts";
import { getProject, type Mode, ModeSchema } from "@/db/projects.ts";
import { setXenditKeys, xenditKeys } from "@/db/payments.ts";
import { setXenditPublicKey, xenditPublicKey } from "@/db/linked_methods.ts";
import type { Config } from "@/config.ts";
import { AppError } from "../http/errors.ts";
import { sealXenditKeys, xenditKeysProblem } from "../payments/accounts.ts";
import { loadMasterKeys } from "../tokens/master_key.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const XENDIT_USAGE =
  `  xendit show --project ID   whether the project's own Xendit keys are set, per environment (the publishable
                             key is shown, the secret key and callback token never)
  xendit set --project ID --environment sandbox|production [--public-key xnd_public_…]
                             seal and store the secret key and callback token, read from stdin (two lines:
                             secret key, then token; or JSON {"secret_key","callback_token"}) or from
                             PROJECT_XENDIT_SECRET_KEY and PROJECT_XENDIT_CALLBACK_TOKEN; never from options
  xendit clear --project ID --environment sandbox|production
                             remove the project's keys for that environment (the publishable key too)`;

const CLI = { actor: "cli" };
const ENV_SECRET = "PROJECT_XENDIT_SECRET_KEY";
const ENV_TOKEN = "PROJECT_XENDIT_CALLBACK_TOKEN";

const KeysJson = z.object({
  secret_key: z.string().trim(),
  callback_token: z.string().trim(),
  public_key: z.string().trim().optional(),
});

type Keys = { secretKey: string; callbackToken: string; publicKey?: string };

/** Reads the secrets from the environment (both variables) or stdin; `stdin` is replaceable for tests. */
export async function readXenditKeys(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
  stdin: { isTerminal(): boolean; readable: ReadableStream<Uint8Array> } = Deno.stdin,
): Promise<Keys> {
  const secretKey = env(ENV_SECRET)?.trim();
  const callbackToken = env(ENV_TOKEN)?.trim();
  if (secretKey || callbackToken) {
    if (!secretKey || !callbackToken) {
      throw new UsageError(`Set both ${ENV_SECRET} and ${ENV_TOKEN}, or neither`);
    }
    return { secretKey, callbackToken };
  }
  if (stdin.isTerminal()) {
    throw new UsageError(
      `Pipe the secret key and callback token on stdin, or set ${ENV_SECRET} and ${ENV_TOKEN}`,
    );
  }
  const text = (await new Response(stdin.readable).text()).trim();
  if (text.startsWith("{")) {
    let parsed;
    try {
      parsed = KeysJson.parse(JSON.parse(text));
    } catch {
      throw new UsageError('stdin must be JSON {"secret_key": "…", "callback_token": "…"} or two lines');
    }
    return {
      secretKey: parsed.secret_key,
      callbackToken: parsed.callback_token,
      publicKey: parsed.public_key,
    };
  }
  const [secret = "", token = "", ...rest] = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (!secret || !token || rest.length) {
    throw new UsageError(
      `Expected the secret key and the callback token on stdin, one a line (or ${ENV_SECRET} and ${ENV_TOKEN})`,
    );
  }
  return { secretKey: secret, callbackToken: token };
}

export async function xenditCommand(
  sql: Sql,
  args: ParsedArgs,
  out: Output,
  config: Config,
): Promise<number> {
  const action = args.positionals[1];
  switch (action) {
    case "show": {
      allowFlags(args, ["project"]);
      operands(args, 2, []);
      const project = flag(args, "project", true);
      const shown = await asApp(sql, project, async (tx) => {
        await getProject(tx, project); // not_found for an unknown project, rather than "no keys"
        const one = async (environment: Mode) => ({
          keys_set: (await xenditKeys(tx, project, environment)) !== null,
          public_key: await xenditPublicKey(tx, project, environment),
        });
        return { sandbox: await one("sandbox"), production: await one("production") };
      }, CLI);
      const line = (e: { keys_set: boolean; public_key: string | null }) =>
        `${e.keys_set ? "keys set" : "no keys"}${e.public_key ? `, publishable ${e.public_key}` : ""}`;
      out.result(
        { project_id: project, ...shown },
        table([["sandbox", line(shown.sandbox)], ["production", line(shown.production)]]),
      );
      return 0;
    }
    case "set": {
      allowFlags(args, ["project", "environment", "public-key"]);
      operands(args, 2, []);
      const project = flag(args, "project", true);
      const environment = environmentFlag(args);
      const keys = await readXenditKeys();
      const problem = xenditKeysProblem(environment, keys);
      if (problem) throw new AppError("validation_failed", { description: problem });
      const publicKey = flag(args, "public-key") ?? keys.publicKey;
      const masterKeys = await loadMasterKeys(config);
      const sealed = await sealXenditKeys(masterKeys.payments, project, environment, keys);
      await asApp(sql, project, async (tx) => {
        await getProject(tx, project);
        await setXenditKeys(tx, project, environment, sealed);
        if (publicKey) await setXenditPublicKey(tx, project, environment, publicKey);
      }, CLI);
      out.result(
        { project_id: project, environment, keys_set: true, public_key: publicKey ?? null },
        `Xendit ${environment} keys for ${project} saved (sealed; they are not shown again).`,
      );
      return 0;
    }
    case "clear": {
      allowFlags(args, ["project", "environment"]);
      operands(args, 2, []);
      const project = flag(args, "project", true);
      const environment = environmentFlag(args);
      await asApp(sql, project, (tx) => setXenditKeys(tx, project, environment, null), CLI);
      out.result(
        { project_id: project, environment, keys_set: false },
        `Xendit ${environment} keys for ${project} removed.`,
      );
      return 0;
    }
  }
  throw new UsageError(`Unknown xendit command "${action ?? ""}"`);
}

function environmentFlag(args: ParsedArgs): Mode {
  const value = flag(args, "environment", true);
  const parsed = ModeSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--environment must be sandbox or production, not "${value}"`);
  return parsed.data;
}

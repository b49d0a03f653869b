/** `astapa machine-client …`: agents and MCP clients that get tokens with client_credentials. */
import { asApp, type Sql } from "@/db/client.ts";
import {
  createMachineClient,
  deleteMachineClient,
  getMachineClient,
  listMachineClients,
  type MachineClient,
  type MachineClientWithSecret,
  rotateMachineClientSecret,
  updateMachineClient,
} from "@/db/machine_clients.ts";
import { AppError } from "../http/errors.ts";
import { parseResource, parseScope } from "../oauth/scope.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const MACHINE_CLIENT_USAGE =
  `  machine-client create --project ID --name N [--scope S …] [--resource URI …] [--ttl SECONDS]
                             [--dpop bound|unbound]
                             create a machine client; prints its secret, once (bound: every token
                             request must carry a DPoP proof and its tokens are bound to that key)
  machine-client list --project ID
  machine-client show --project ID CLIENT_ID
  machine-client update --project ID CLIENT_ID [--name N] [--scope S …] [--resource URI …] [--ttl SECONDS|0]
                             [--dpop bound|unbound]
                             replace the given fields (--ttl 0: the project's lifetime)
  machine-client rotate-secret --project ID CLIENT_ID
                             issue a new secret; the old one stops working at once
  machine-client disable|enable|delete --project ID CLIENT_ID`;

const CLI = { actor: "cli" };
const FIELDS = ["project", "name", "scope", "resource", "ttl", "dpop"];

export async function machineClientCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  const inProject = <T>(work: Parameters<typeof asApp<T>>[2]) =>
    asApp(sql, flag(args, "project", true), work, CLI);
  switch (action) {
    case "create": {
      allowFlags(args, FIELDS);
      operands(args, 2, []);
      const fields = clientFields(args);
      if (fields.name === undefined) throw new UsageError("--name is required");
      showSecret(out, await inProject((tx) => createMachineClient(tx, { ...fields, name: fields.name! })));
      return 0;
    }
    case "list": {
      allowFlags(args, ["project"]);
      operands(args, 2, []);
      const clients = await inProject((tx) => listMachineClients(tx));
      out.result(
        clients,
        clients.map((m) =>
          `${m.client_id}  ${m.enabled ? "enabled " : "disabled"}  ${m.name}  [${m.scopes.join(" ")}]`
        ).join("\n") || "No machine clients.",
      );
      return 0;
    }
    case "show": {
      allowFlags(args, ["project"]);
      const [id] = operands(args, 2, ["CLIENT_ID"]);
      show(out, await inProject((tx) => getMachineClient(tx, id)));
      return 0;
    }
    case "update": {
      allowFlags(args, FIELDS);
      const [id] = operands(args, 2, ["CLIENT_ID"]);
      show(out, await inProject((tx) => updateMachineClient(tx, id, clientFields(args))));
      return 0;
    }
    case "disable":
    case "enable": {
      allowFlags(args, ["project"]);
      const [id] = operands(args, 2, ["CLIENT_ID"]);
      show(out, await inProject((tx) => updateMachineClient(tx, id, { enabled: action === "enable" })));
      return 0;
    }
    case "rotate-secret": {
      allowFlags(args, ["project"]);
      const [id] = operands(args, 2, ["CLIENT_ID"]);
      showSecret(out, await inProject((tx) => rotateMachineClientSecret(tx, id)));
      return 0;
    }
    case "delete": {
      allowFlags(args, ["project"]);
      const [id] = operands(args, 2, ["CLIENT_ID"]);
      await inProject((tx) => deleteMachineClient(tx, id));
      out.result({ client_id: id, deleted: true }, `Deleted ${id}.`);
      return 0;
    }
  }
  throw new UsageError(`Unknown machine-client command "${action ?? ""}"`);
}

/** The fields given on the command line, normalised as the token endpoint compares them. */
function clientFields(args: ParsedArgs) {
  const scopes = args.flags.get("scope");
  const resources = args.flags.get("resource");
  const ttl = flag(args, "ttl");
  if (ttl !== undefined && !/^\d+$/.test(ttl)) {
    throw new UsageError("--ttl must be a whole number of seconds");
  }
  const dpop = flag(args, "dpop");
  if (dpop !== undefined && dpop !== "bound" && dpop !== "unbound") {
    throw new UsageError("--dpop must be bound or unbound");
  }
  try {
    return {
      name: flag(args, "name"),
      scopes: scopes && (parseScope(scopes.join(" "))?.split(" ") ?? []),
      resources: resources?.map((uri) => parseResource(uri)!),
      accessTokenTtl: ttl === undefined ? undefined : Number(ttl),
      dpopBoundAccessTokens: dpop === undefined ? undefined : dpop === "bound",
    };
  } catch (error) {
    if (error instanceof AppError) throw new UsageError(error.description);
    throw error;
  }
}

function show(out: Output, client: MachineClient): void {
  out.result(client, table(rows(client)));
}

function showSecret(out: Output, client: MachineClientWithSecret): void {
  out.result(
    client,
    table([...rows(client), ["client_secret", `${client.client_secret}  (shown once: store it now)`]]),
  );
}

function rows(client: MachineClient): [string, string][] {
  return [
    ["client_id", client.client_id],
    ["name", client.name],
    ["enabled", String(client.enabled)],
    ["scopes", client.scopes.join(" ") || "(none)"],
    ["resources", client.resources.join("\n           ") || "(none)"],
    ["token_ttl", client.access_token_ttl ? `${client.access_token_ttl} s` : "the project's"],
    [
      "dpop",
      client.dpop_bound_access_tokens ? "bound (every token request sends a DPoP proof)" : "not bound",
    ],
  ];
}

/** Builds what handlers share (lib/app_env.ts Deps) once the database is open: the server, tests and benches. */
import type { Config } from "../config.ts";
import { setDeploymentSocial, type Sql } from "../db/client.ts";
import type { Deps } from "./app_env.ts";
import type { IslandAssets } from "./islands/build.ts";
import { createSandboxXendit } from "./payments/accounts.ts";
import type { MasterKeys } from "./tokens/master_key.ts";
import { KeyStore } from "./tokens/signing_keys.ts";
import { ensureConsole } from "./dashboard/console.ts";
import { CLIENT_FAILURES } from "./oauth/authenticate_client.ts";
import { VerifiedClients } from "./oauth/verified_clients.ts";
import { AuthorizationClients } from "./login/authorization_clients.ts";
import { deploymentProviders } from "./login/social/providers.ts";

export type DepsInput = { config: Config; sql: Sql; masterKeys: MasterKeys; assets: IslandAssets };

/**
 * Tells SQL which social providers the deployment serves, installs signing keys if the deployment has none
 * (signing through OpenSSL when it can), starts the sandbox Xendit simulator and the client caches. close()
 * frees the native keys and stops both.
 */
export async function createDeps(input: DepsInput): Promise<Deps & { close(): void }> {
  // SQL's "ways in" count an identity only while its provider is offered, which needs the env's credentials.
  setDeploymentSocial(input.sql, deploymentProviders(input.config));
  const keys = new KeyStore(input.sql, input.masterKeys.sealing, input.config.signer);
  await keys.ensureKeys();
  const xenditSandbox = createSandboxXendit(input.config, input);
  // The dashboard signs developers in through this deployment's own console project, created if missing.
  const consoleClient = await ensureConsole(input.sql, input.config.baseUrl);
  const verifiedClients = await startVerifiedClients(input);
  return {
    ...input,
    keys,
    xenditSandbox,
    consoleClient,
    verifiedClients,
    authorizationClients: verifiedClients &&
      new AuthorizationClients(verifiedClients, input.config.clientCacheSeconds),
    close() {
      verifiedClients?.stop();
      xenditSandbox.close();
      keys.close();
    },
  };
}

/** The client-credential cache (lib/oauth/verified_clients.ts), unless ASTAPA_CLIENT_CACHE_SECONDS is 0. */
async function startVerifiedClients(input: DepsInput): Promise<VerifiedClients | undefined> {
  if (input.config.clientCacheSeconds <= 0) return undefined;
  const cache = new VerifiedClients(
    input.config.clientCacheSeconds,
    "client_auth:",
    CLIENT_FAILURES.windowSeconds,
  );
  await cache.start(input.sql);
  return cache;
}

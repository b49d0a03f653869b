/**
 * Which Xendit account a project's charges go through, in order: the project's own keys for its environment
 * (sealed in Postgres), the deployment's XENDIT_SECRET_KEY (a test key serves sandbox projects, a live key
 * production ones), and — for sandbox projects only — the built-in simulator mounted at /sandbox/xendit, where
 * each project has its own generated key and callback token (sandbox_accounts.ts) and the charges live in
 * Postgres (sandbox_charges.ts), shared by every instance.
 */
import type { Config } from "@/config.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { type XenditAccount, xenditKeys } from "@/db/payments.ts";
import { open, seal } from "../tokens/master_key.ts";
import type { XenditConnection } from "./xendit.ts";
import { XenditSimulator } from "./xendit_simulator/simulator.ts";
import { existingSandboxKeys, sandboxAccountForKey, sandboxKeys } from "./sandbox_accounts.ts";
import { postgresSimulatorStorage } from "./sandbox_charges.ts";

export const SANDBOX_PATH = "/sandbox/xendit";

export type ResolvedXendit = { account: XenditAccount; connection: XenditConnection; callbackToken: string };

export type PaymentDeps = {
  config: Config;
  sql: Sql;
  masterKeys: { payments: CryptoKey };
  xenditSandbox: XenditSimulator;
};

/**
 * The built-in simulator for sandbox projects without keys: it knows no key of its own and authenticates each
 * call with a project's generated key (found in Postgres); callbacks go to this server's webhook with that
 * project's token.
 */
export function createSandboxXendit(
  config: Config,
  deps: { sql: Sql; masterKeys: { payments: CryptoKey } },
): XenditSimulator {
  const webhookUrl = `${config.baseUrl}/api/webhooks/xendit`;
  return new XenditSimulator({
    baseUrl: `${config.baseUrl}${SANDBOX_PATH}`,
    findAccount: async (secretKey) => {
      const found = await sandboxAccountForKey(deps, secretKey);
      return found && { ...found.keys, webhookUrl, businessId: found.projectId };
    },
    findAccountById: async (projectId) => ({
      ...await sandboxKeys(deps, projectId),
      webhookUrl,
      businessId: projectId,
    }),
    findPublishableAccount: async (projectId) => {
      const keys = await existingSandboxKeys(deps, projectId);
      return keys && { ...keys, webhookUrl, businessId: projectId };
    },
    persistence: postgresSimulatorStorage(deps.sql),
  });
}

const isTestKey = (key: string) => key.startsWith("xnd_development_");

/** Whether the deployment's default Xendit account is a live one (production projects may use it). */
export function hasLiveDeploymentXendit(config: Config): boolean {
  const { secretKey, callbackToken } = config.xendit;
  return Boolean(secretKey && callbackToken && !isTestKey(secretKey));
}

/** The account new charges of this project use, or null when payments are not configured for it. */
export async function chooseXendit(
  deps: PaymentDeps,
  projectId: string,
  environment: "sandbox" | "production",
): Promise<ResolvedXendit | null> {
  return await xenditAccount(deps, projectId, environment, "project") ??
    xenditDeployment(deps, environment) ??
    (environment === "sandbox" ? await xenditSimulator(deps, projectId) : null);
}

/** The named account of a project (what a checkout recorded), or null when it no longer exists. */
export async function xenditAccount(
  deps: PaymentDeps,
  projectId: string,
  environment: "sandbox" | "production",
  account: XenditAccount,
): Promise<ResolvedXendit | null> {
  if (account === "deployment") return xenditDeployment(deps, environment);
  if (account === "simulator") {
    return environment === "sandbox" ? await xenditSimulator(deps, projectId) : null;
  }
  const sealed = await asApp(deps.sql, projectId, (tx) => xenditKeys(tx, projectId, environment));
  if (!sealed) return null;
  const text = async (bytes: Uint8Array, field: string) =>
    new TextDecoder().decode(
      await open(deps.masterKeys.payments, bytes, xenditKeyContext(projectId, environment, field)),
    );
  return {
    account: "project",
    connection: {
      secretKey: await text(sealed.secretKeySealed, "secret_key"),
      baseUrl: deps.config.xendit.baseUrl,
      timeoutMs: deps.config.xendit.timeoutMs,
    },
    callbackToken: await text(sealed.callbackTokenSealed, "callback_token"),
  };
}

// Xendit's secret keys say which mode they are for; a test key in production would take no real money.
const SECRET_KEY = {
  sandbox: /^xnd_development_[A-Za-z0-9_-]{8,}$/,
  production: /^xnd_production_[A-Za-z0-9_-]{8,}$/,
};

/** Why keys cannot be a project's for the environment (the dashboard's and the CLI's one check), or null. */
export function xenditKeysProblem(
  environment: "sandbox" | "production",
  keys: { secretKey: string; callbackToken: string },
): string | null {
  if (!SECRET_KEY[environment].test(keys.secretKey)) {
    const kind = environment === "production" ? "live (xnd_production_…)" : "test (xnd_development_…)";
    return `The ${environment} secret key must be a Xendit ${kind} secret key.`;
  }
  if (keys.callbackToken.length < 8) {
    return "Enter the webhook verification token from Xendit's dashboard (Settings → Webhooks).";
  }
  return null;
}

/** Seals a project's keys for api.set_xendit_keys. */
export async function sealXenditKeys(
  key: CryptoKey,
  projectId: string,
  environment: string,
  keys: { secretKey: string; callbackToken: string },
): Promise<{ secretKey: Uint8Array; callbackToken: Uint8Array }> {
  const bytes = (text: string) => new TextEncoder().encode(text);
  return {
    secretKey: await seal(key, bytes(keys.secretKey), xenditKeyContext(projectId, environment, "secret_key")),
    callbackToken: await seal(
      key,
      bytes(keys.callbackToken),
      xenditKeyContext(projectId, environment, "callback_token"),
    ),
  };
}

/** What a project's Xendit key or callback token is sealed for. */
export function xenditKeyContext(projectId: string, environment: string, field: string): string {
  return `astapa xendit ${projectId} ${environment} ${field}`;
}

function xenditDeployment(deps: PaymentDeps, environment: string): ResolvedXendit | null {
  const { secretKey, callbackToken, baseUrl, timeoutMs } = deps.config.xendit;
  if (!secretKey || !callbackToken || isTestKey(secretKey) !== (environment === "sandbox")) return null;
  return { account: "deployment", connection: { secretKey, baseUrl, timeoutMs }, callbackToken };
}

/** The project's own simulator account (made on first use). */
async function xenditSimulator(deps: PaymentDeps, projectId: string): Promise<ResolvedXendit> {
  const keys = await sandboxKeys(deps, projectId);
  return {
    account: "simulator",
    connection: {
      secretKey: keys.secretKey,
      baseUrl: deps.xenditSandbox.baseUrl,
      timeoutMs: deps.config.xendit.timeoutMs,
    },
    callbackToken: keys.callbackToken,
  };
}

/** What every handler can reach: configuration, the database and built assets, as Hono context variables. */
import type { Context } from "hono";
import type { Config } from "../config.ts";
import type { Sql } from "../db/client.ts";
import type { IslandAssets } from "./islands/build.ts";
import type { KeyStore } from "./tokens/signing_keys.ts";
import type { MasterKeys } from "./tokens/master_key.ts";
import type { XenditSimulator } from "./payments/xendit_simulator/simulator.ts";
import type { ConsoleClient } from "./dashboard/console.ts";
import type { DashboardSession } from "../db/dashboard.ts";
import type { Caller } from "./router/callers.ts";
import type { AuthenticatedClient } from "./oauth/authenticate_client.ts";
import type { VerifiedClients } from "./oauth/verified_clients.ts";
import type { AuthorizationClients } from "./login/authorization_clients.ts";
import type { Brand } from "./branding/brand.ts";
import type { BotWidget } from "./login/bot_check.ts";
import type { MetadataFetchOptions } from "./oauth/client_metadata_document.ts";
import type { ScimDirectoryCaller } from "./scim/caller.ts";
import type { Lang } from "./login/i18n.ts";
import type { AppError } from "./http/errors.ts";

export type Deps = {
  config: Config;
  sql: Sql;
  assets: IslandAssets;
  keys: KeyStore;
  masterKeys: MasterKeys;
  /** The built-in Xendit simulator: sandbox projects without keys pay through it (mounted at /sandbox/xendit). */
  xenditSandbox: XenditSimulator;
  /** The built-in console project the dashboard signs developers in through. */
  consoleClient: ConsoleClient;
  /** Verified client credentials of this instance (client_credentials without a round trip); absent: off. */
  verifiedClients?: VerifiedClients;
  /** The hosted login's clients of this instance, invalidated with verifiedClients; absent: off. */
  authorizationClients?: AuthorizationClients;
  /** Tests only: how Client ID Metadata Documents are fetched (a local host, its resolver and CA). */
  clientMetadataFetch?: Partial<MetadataFetchOptions>;
};

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: Deps;
    /** Under /dashboard: the signed-in developer, set by routes/dashboard/_middleware.ts. */
    dashboard?: SignedInDeveloper;
    /** Who the route declares may call it (lib/router/callers.ts), set by its family's `authorize`. */
    caller?: Caller;
    /** The client the family's `authorize` authenticated, when the route declares client callers. */
    client?: AuthenticatedClient;
    /** Below /scim/v2: the directory the bearer token opened, set by routes/scim/_middleware.ts. */
    scim?: ScimDirectoryCaller;
    /** On a project's hosted pages: its brand, which the layout applies (lib/branding/use_brand.ts). */
    brand?: Brand;
    /** Under /dashboard: the language its pages are drawn in (lib/dashboard/i18n.ts), set by its middleware. */
    dashboardLang?: Lang;
    /**
     * Under /dashboard: a refusal's field messages in its language (lib/dashboard/field_text.ts), for the error
     * page, which does not load the dashboard's catalogues itself.
     */
    fieldText?: (lang: Lang, error: AppError) => Record<string, string[]>;
    /** On a hosted-login form with bot protection: its widget, which authPageData passes to the page. */
    botCheck?: BotWidget;
  };
};

/** A dashboard request's developer and the CSRF token its forms must carry. */
export type SignedInDeveloper = { session: DashboardSession; sessionHash: Uint8Array; csrf: string };

export type Ctx = Context<AppEnv>;

/**
 * The connection pool and the per-request pattern every query runs in:
 * one transaction, `SET LOCAL ROLE astapa_app` (a non-owner role, so RLS applies), and the project the
 * request acts for in the transaction-local setting `astapa.project_id` that the policies read.
 */
import type postgres from "postgres";
import { AsyncLocalStorage } from "node:async_hooks";
import { failureKind, OutcomeUnknownError, retryNotApplied, RolledBackError } from "./failover.ts";
import { createFailoverPool, failoverOf } from "./pool.ts";
import { tracedSql, tracingEnabled } from "../lib/tracing.ts";
import { handleNotice } from "./client_changes.ts";
import { retryConflicts } from "./conflicts.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
/** A piece of SQL with its parameters, to be placed inside another query (postgres.js fragment). */
export type Fragment = postgres.Fragment;

export type PoolOptions = { max?: number; applicationName?: string };

/**
 * Opens a pool. Notices are dropped except a client change (db/client_changes.ts); bigint columns come back as strings. `url` may
 * name several hosts (libpq style); the pool follows the primary across a failover (pool.ts).
 */
export function createPool(url: string, options: PoolOptions = {}): Sql {
  return createFailoverPool(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    // Fail fast when the database is unreachable: the request answers 503 instead of hanging.
    connect_timeout: 3,
    // Other notices are dropped (migrations raise them); a client change reaches this process's caches.
    onnotice: handleNotice,
    connection: { application_name: options.applicationName ?? "astapa" },
  });
}

export type AppContext = {
  /** Who acts, for the audit log (`astapa.actor`): e.g. "cli" or "account:12". Unset means "app". */
  actor?: string;
  /**
   * The kind of client that authenticated (`astapa.client_kind`): machine and self-registered clients may not
   * write the tables the management API changes (the triggers in db/api/clients.sql). Unset for developers and the CLI.
   */
  clientKind?: "project" | "machine" | "dynamic";
  /**
   * The organization invitation token the hosted-login request carries (`astapa.sign_up_invitation`): a
   * project whose sign-ups are by invitation lets its invited address create an account
   * (astapa.assert_sign_up_allowed hashes and looks it up).
   */
  signUpInvitation?: string;
  /**
   * The guest a hosted-login sign-up keeps (`astapa.sign_up_guest`): the sub a checked id_token_hint names
   * (lib/login/guest_hint.ts). The account the sign-up makes is the guest's own row (astapa.signing_up_guest).
   */
  signUpGuest?: string;
  /**
   * The person ticked "I agree to the Terms and Privacy Policy" (`astapa.sign_up_legal_consent`): required under
   * settings.sign_up.require_legal_consent (astapa.assert_sign_up_allowed), and the new account's
   * legal_accepted_at records it.
   */
  signUpLegalConsent?: boolean;
};

/**
 * A hosted-login call that may create an account: its actor, the request's invitation for the rules, and the
 * guest whose row the account is (docs/anonymous-users.md).
 */
export const signUpContext = (
  invitation?: string,
  actor = "hosted_login",
  guestSub?: string,
  legalConsent?: boolean,
): AppContext => ({
  actor,
  ...(invitation ? { signUpInvitation: invitation } : {}),
  ...(guestSub ? { signUpGuest: guestSub } : {}),
  ...(legalConsent ? { signUpLegalConsent: true } : {}),
});

type ClientKind = NonNullable<AppContext["clientKind"]>;
const actingClient = new AsyncLocalStorage<ClientKind>();

/**
 * Runs `work` (a request's handler) on behalf of an authenticated client: every asApp and asAppStatement inside
 * it, however deep, sets `astapa.client_kind` to `kind` unless told otherwise — so a route that forgets to say
 * which client it acts for still cannot write management tables for a machine or self-registered client.
 */
export function actAsClient<T>(kind: ClientKind, work: () => T): T {
  return actingClient.run(kind, work);
}

/**
 * asApp transactions of this process: waiting for a connection (and its BEGIN), and holding one. postgres.js
 * keeps its pool's queues to itself; nearly all work runs through asApp, so these stand for the pool (metrics).
 */
export const transactions = { waiting: 0, inUse: 0 };

/**
 * Runs `work` as the app role in one transaction. With a project id, RLS shows that project's rows only;
 * without one, tenant tables show nothing.
 *
 * Across a failover the whole transaction is run again when it certainly did not commit (db/failover.ts), and
 * so is one Postgres broke off as a deadlock's victim or a serialization failure (db/conflicts.ts): `work` must
 * therefore do nothing but SQL on `tx` (it may run more than once, only one run commits). A COMMIT whose answer
 * was lost is not retried: it throws OutcomeUnknownError (503 outcome_unknown).
 */
export function asApp<T>(
  sql: Sql,
  projectId: string | null,
  work: (tx: Tx) => Promise<T>,
  context: AppContext = {},
): Promise<T> {
  const failover = failoverOf(sql);
  const once = () => countedTransaction(sql, projectId, work, context);
  if (!failover) return retryConflicts(once);
  return retryConflicts(() => retryNotApplied(once, (error) => failover.recheck(error)));
}

/** One attempt, counted for the pool gauges (metrics) and traced when tracing is on. */
function countedTransaction<T>(
  sql: Sql,
  projectId: string | null,
  work: (tx: Tx) => Promise<T>,
  context: AppContext,
): Promise<T> {
  let entered = false;
  transactions.waiting++;
  const counted = (tx: Tx) => {
    entered = true;
    transactions.waiting--;
    transactions.inUse++;
    return work(tx).finally(() => transactions.inUse--);
  };
  const attempt = () => oneTransaction(sql, projectId, counted, context);
  const done = tracingEnabled ? tracedSql("db.transaction", projectId, attempt) : attempt();
  done.catch(() => {
    if (!entered) transactions.waiting--; // no connection, or BEGIN failed
  });
  return done;
}

async function oneTransaction<T>(
  sql: Sql,
  projectId: string | null,
  work: (tx: Tx) => Promise<T>,
  context: AppContext,
): Promise<T> {
  let committing = false;
  try {
    return await sql.begin(async (tx) => {
      const value = await inAppRole(sql, tx, projectId, work, context);
      committing = true; // postgres.js sends COMMIT once this callback resolves
      return value;
    }) as T;
  } catch (error) {
    if (failureKind(error) !== "unknown") throw error;
    if (committing) throw new OutcomeUnknownError("The connection broke during COMMIT.", { cause: error });
    throw new RolledBackError("The connection broke before COMMIT: the transaction was rolled back.", {
      cause: error,
    });
  }
}

async function inAppRole<T>(
  sql: Sql,
  tx: Tx,
  projectId: string | null,
  work: (tx: Tx) => Promise<T>,
  context: AppContext,
): Promise<T> {
  // Not awaited: the settings travel in the same network write as work's first statement (postgres.js
  // pipelines on the transaction's connection), so they cost no round trip of their own. They still run
  // first, and a failure among them aborts the transaction; it is reported below.
  const settings = tx`select ${appSettings(sql, projectId, context)}`.execute();
  settings.catch(() => {}); // awaited below; this only keeps an early rejection from counting as unhandled
  try {
    return await work(tx);
  } finally {
    await settings;
  }
}

/**
 * Runs statements outside asApp with the same failover rule: retried while they certainly did not run. With
 * `{ read: true }` (the caller promises `attempt` changes nothing) a broken connection is retried too.
 */
export function retrying<T>(
  sql: Sql,
  attempt: () => Promise<T>,
  options: { read?: boolean } = {},
): Promise<T> {
  const failover = failoverOf(sql);
  if (!failover) return attempt();
  const once = !options.read ? attempt : () =>
    attempt().catch((error) => {
      if (failureKind(error) !== "unknown") throw error;
      throw new RolledBackError("A read lost its connection; reads are safe to repeat.", { cause: error });
    });
  return retryNotApplied(once, (error) => failover.recheck(error));
}

/** What the deployment's configuration offers that SQL cannot read: see setDeploymentSocial. */
const deploymentSocial = new WeakMap<Sql, string>();

/**
 * Tells SQL, through every asApp transaction on `sql`, which social providers have the deployment's own
 * credentials (GOOGLE_* / GITHUB_*): a project without its own app offers those (lib/login/social/providers.ts),
 * and astapa.social_provider_offered counts an identity as a way in only while its provider is offered.
 */
export function setDeploymentSocial(sql: Sql, providers: readonly string[]): void {
  deploymentSocial.set(sql, providers.join(","));
}

/**
 * The settings asApp makes, as select-list items: role astapa_app (so RLS applies), the project, the actor,
 * the client kind, the deployment's social providers and a sign-up's invitation, guest and legal consent, all
 * transaction-local (a transaction-mode pooler keeps nothing between transactions).
 */
export function appSettings(sql: Sql, projectId: string | null, context: AppContext = {}): Fragment {
  return sql`set_config('role', 'astapa_app', true), set_config('astapa.project_id', ${
    projectId ?? ""
  }, true),
    set_config('astapa.actor', ${context.actor ?? ""}, true),
    set_config('astapa.client_kind', ${context.clientKind ?? actingClient.getStore() ?? ""}, true),
    set_config('astapa.deployment_social', ${deploymentSocial.get(sql) ?? ""}, true),
    set_config('astapa.sign_up_invitation', ${context.signUpInvitation ?? ""}, true),
    set_config('astapa.sign_up_guest', ${context.signUpGuest ?? ""}, true),
    set_config('astapa.sign_up_legal_consent', ${context.signUpLegalConsent ? "true" : ""}, true)`;
}

/**
 * Runs ONE statement as the app role in one round trip, without BEGIN/COMMIT: the statement is its own
 * transaction. `query` gets a materialized CTE (`app`) that makes the asApp settings, and must read from it
 * (`… from app`): its row is produced, settings made, before anything reading it runs. Broken off as a
 * deadlock's victim or a serialization failure, the statement (its own transaction) is run again
 * (db/conflicts.ts).
 *
 * The statement may only CALL api.* functions, never name a table: Postgres applies RLS (and checks EXECUTE)
 * when a statement is planned, which is before its first step sets the role, so a table named here would be
 * read as the login role. Functions with `set search_path` (every api.* function; tests/sql/schema_rules)
 * are never inlined, so their queries are planned as they run, as astapa_app (tests/sql/app_statement_test).
 */
export function asAppStatement<T extends readonly object[]>(
  sql: Sql,
  projectId: string | null,
  query: (app: Fragment) => postgres.PendingQuery<T>,
  context: AppContext = {},
): Promise<postgres.RowList<T>> {
  const statement = () => query(sql`app as materialized (select ${appSettings(sql, projectId, context)})`);
  if (!tracingEnabled) return retryConflicts(statement);
  // The span is named after the first api.* function the statement calls (the statement's own text).
  const called = /api\.([a-z_]+)/.exec((statement() as unknown as { strings: string[] }).strings.join(""))
    ?.[1];
  return retryConflicts(() => tracedSql(`db.statement ${called ?? "query"}`, projectId, statement));
}

/** True when the database answers a trivial query within the pool's connect timeout. */
export async function ping(sql: Sql): Promise<boolean> {
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  }
}

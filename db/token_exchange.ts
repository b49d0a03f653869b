/** Typed wrappers around the token exchange functions (db/api/token_exchange.sql, RFC 8693). */
import { z } from "zod";
import { asApp, type Fragment, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";

export const TokenExchangePolicy = z.array(
  z.object({ client_id: z.string(), resource: z.string(), created_at: z.string() }),
);

export function listTokenExchangePolicies(tx: Tx) {
  return result(tx`select api.list_token_exchange_policies() as result`, TokenExchangePolicy);
}

/** Lets `clientId` exchange people's tokens for ones to `resource`; returns the whole policy. */
export function allowTokenExchange(tx: Tx, clientId: string, resource: string) {
  return result(tx`select api.allow_token_exchange(${clientId}, ${resource}) as result`, TokenExchangePolicy);
}

export async function disallowTokenExchange(tx: Tx, clientId: string, resource: string): Promise<void> {
  await tx`select api.disallow_token_exchange(${clientId}, ${resource})`;
}

export type Exchange = {
  subjectProject: string;
  subjectSub: string;
  subjectClient: string;
  subjectScope: string | null;
  subjectResource: string | null;
  actorClient: string;
  resource: string | null;
  scope: string | null;
  /** The subject token's org_id: the exchanged token keeps the active organization. */
  subjectOrganization?: string | null;
  /** The impersonation the subject token's act names: refused once it ended (docs/impersonation.md). */
  subjectImpersonation?: string | null;
};

/** api.exchange_token as a call to place in a statement acting for the client's project. */
export function exchangeTokenCall(sql: Sql, e: Exchange): Fragment {
  return sql`api.exchange_token(${e.subjectProject}, ${e.subjectSub}, ${e.subjectClient}, ${e.subjectScope},
    ${e.subjectResource}, ${e.actorClient}, ${e.resource}, ${e.scope}, ${e.subjectOrganization ?? null},
    ${e.subjectImpersonation ?? null})`;
}

/** The exchange in a transaction of its own (a self-registered client, authenticated apart from it). */
export async function exchangeTokenAs(sql: Sql, projectId: string, call: Fragment): Promise<unknown> {
  const [row] = await asApp(sql, projectId, (tx) => tx`select ${call} as result`);
  return row.result;
}

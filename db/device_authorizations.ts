/** Typed wrappers around the device authorization functions (db/api/device_authorization.sql, RFC 8628). */
import { z } from "zod";
import { asApp, type Fragment, type Sql } from "./client.ts";
import { result } from "./result.ts";
import { sha256 } from "../lib/secrets.ts";
import type { FailureBucket } from "./client_authentication.ts";

export type DeviceAuthorizationInput = {
  deviceCodeHash: Uint8Array;
  userCode: string;
  clientId: string;
  scope: string | null;
  resource: string | null;
  expiresIn: number;
  perMinute: number;
};

const Started = z.union([
  z.object({ wait: z.number().int() }),
  z.object({ conflict: z.literal(true) }),
  z.object({ expires_in: z.number().int(), interval: z.number().int() }),
]);

/** Starts a device authorization for a client of `projectId`: its lifetime, a wait, or a taken user code. */
export function startDeviceAuthorization(
  sql: Sql,
  projectId: string,
  r: DeviceAuthorizationInput,
): Promise<z.infer<typeof Started>> {
  return asApp(sql, projectId, (tx) =>
    result(
      tx`select api.start_device_authorization(${r.deviceCodeHash}, ${r.userCode}, ${r.clientId}, ${r.scope},
        ${r.resource}, ${r.expiresIn}, ${r.perMinute}) as result`,
      Started,
    ), { actor: `client:${r.clientId.slice(0, 100)}` });
}

export const PendingDeviceAuthorization = z.object({
  project_id: z.string(),
  project: z.object({
    id: z.string(),
    name: z.string(),
    mode: z.string(),
    settings: z.record(z.string(), z.unknown()),
    /** The project's own client: /device signs people in through the hosted login with it. */
    client_id: z.string(),
  }),
  client_id: z.string(),
  client_name: z.string(),
  third_party: z.boolean(),
  scope: z.string().optional(),
  resource: z.string().optional(),
  resource_name: z.string().optional(),
  expires_at: z.string(),
});
export type PendingDeviceAuthorization = z.infer<typeof PendingDeviceAuthorization>;

/** The pending request a user code names, null (a counted failure), or how long this address must wait. */
export function deviceAuthorizationForUserCode(
  sql: Sql,
  userCode: string,
  buckets: FailureBucket[],
): Promise<PendingDeviceAuthorization | { wait: number } | null> {
  return asApp(sql, null, (tx) =>
    result(
      tx`select api.device_authorization_for_user_code(${userCode}, ${tx.json(buckets)}) as result`,
      z.union([z.object({ wait: z.number().int() }), PendingDeviceAuthorization]).nullable(),
    ));
}

/**
 * The decision of the person signed in by the browser's session (`session`: its token; `userId`: its person, for
 * the audit's actor); false when the request is no longer pending. Postgres checks the session is still live under
 * the user's row lock, else AS4G0 (invalid_grant: sign in again).
 */
export async function decideDeviceAuthorization(
  sql: Sql,
  projectId: string,
  decision: { userCode: string; session: string; userId: string; approve: boolean },
): Promise<boolean> {
  const sessionHash = await sha256(decision.session);
  return await asApp(sql, projectId, (tx) =>
    result(
      tx`select api.decide_device_authorization(${decision.userCode}, ${sessionHash}, ${decision.approve}) as result`,
      z.boolean(),
    ), { actor: `user:${decision.userId}` });
}

export type DevicePoll = {
  deviceCodeHash: Uint8Array;
  clientId: string;
  refreshHash: Uint8Array;
  resource: string | null;
};

/** api.poll_device_authorization as a call to place in a statement acting for the project. */
export function pollDeviceAuthorizationCall(sql: Sql, r: DevicePoll): Fragment {
  return sql`api.poll_device_authorization(${r.deviceCodeHash}, ${r.clientId}, ${r.refreshHash}, ${r.resource})`;
}

/** The poll in a transaction of its own (a self-registered client, authenticated apart from it). */
export async function pollDeviceAuthorizationAs(
  sql: Sql,
  projectId: string,
  call: Fragment,
): Promise<unknown> {
  const [row] = await asApp(sql, projectId, (tx) => tx`select ${call} as result`);
  return row.result;
}

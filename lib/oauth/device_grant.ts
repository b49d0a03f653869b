/**
 * The device_code grant at the token endpoint (RFC 8628 §3.4-3.5): the client polls with its device code until
 * the person decides at /device. authorization_pending, slow_down (the interval grows by 5 seconds, kept in
 * Postgres so every instance enforces it), expired_token and access_denied are answered as RFC 8628 names
 * them; once approved, the grant issues tokens once, like an authorization code.
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import { pollDeviceAuthorizationAs, pollDeviceAuthorizationCall } from "@/db/device_authorizations.ts";
import { userGrant } from "@/db/tokens.ts";
import { AppError } from "../http/errors.ts";
import { sha256 } from "../secrets.ts";
import { newRefreshSecret } from "../tokens/refresh_tokens.ts";
import { countTokenIssued } from "../metrics/metrics.ts";
import { authenticateClient, authenticateClientAndGrant } from "./authenticate_client.ts";
import { presentedClient } from "./client_auth.ts";
import { isSelfRegisteredClientId } from "./dynamic_client_auth.ts";
import type { TokenResponse } from "./grants.ts";
import { userTokens, withProof } from "./grants.ts";
import { dpopGrantCall } from "@/db/dpop.ts";
import type { DpopProof } from "./dpop.ts";
import { isPublicClient } from "./dpop_clients.ts";
import type { OAuthParams } from "./params.ts";
import { DeviceCodeRequest, parseParams } from "./schemas.ts";
import { parseResource } from "./scope.ts";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

const WAITING = z.object({
  error: z.enum(["authorization_pending", "slow_down", "expired_token", "access_denied"]),
  error_description: z.string(),
});

/** The grant; a function declaration, so grants.ts may list it whichever module loads first. */
export async function deviceCodeGrant(
  c: Ctx,
  params: OAuthParams,
  proof: DpopProof | null,
): Promise<TokenResponse> {
  const refreshSecret = newRefreshSecret();
  let request: { deviceCodeHash: Uint8Array; refreshHash: Uint8Array; resource: string | null } | null = null;
  let problem: unknown = null;
  try {
    const parsed = parseParams(DeviceCodeRequest, params);
    request = {
      deviceCodeHash: await sha256(parsed.device_code),
      refreshHash: await sha256(refreshSecret),
      resource: parseResource(parsed.resource),
    };
  } catch (error) {
    problem = error; // thrown after the client is authenticated: a bad client is told so first
  }
  const { sql } = c.var.deps;
  const presented = presentedClient(c.req.header("authorization"), params);
  let client;
  let result: unknown;
  if (isSelfRegisteredClientId(presented.clientId)) {
    client = await authenticateClient(c, params, { tokenRequest: { proof } });
    if (!request) throw problem;
    const call = pollDeviceAuthorizationCall(sql, { ...request, clientId: client.clientId });
    const bind = isPublicClient(client);
    result = await pollDeviceAuthorizationAs(
      sql,
      client.projectId,
      proof ? dpopGrantCall(sql, proof, bind, call) : call,
    );
  } else {
    ({ client, grant: result } = await authenticateClientAndGrant(c, params, (sql, clientId) => ({
      project: request
        ? withProof(sql, proof, pollDeviceAuthorizationCall(sql, { ...request, clientId }))
        : null,
      machine: null,
    }), { tokenRequest: { proof } }));
    if (client.kind === "machine") {
      throw new AppError("unauthorized_client", { description: `Machine clients use client_credentials.` });
    }
    if (!request) throw problem;
  }
  const waiting = WAITING.safeParse(result);
  if (waiting.success) {
    throw new AppError(waiting.data.error, { description: waiting.data.error_description });
  }
  const grant = userGrant(result);
  const tokens = await userTokens(c, client, grant, refreshSecret, proof);
  countTokenIssued("device_code", grant.environment ?? "live");
  return tokens;
}

/**
 * Authentication for the platform's JSON APIs (Claims API, plans, users): the project's own client
 * credentials, as HTTP Basic or as client_id + client_secret in the JSON body. The same checks and brute-force
 * limits as the OAuth endpoints (authenticateClient), but failures speak the ordinary catalogue: 401
 * `unauthorized` with a Basic challenge.
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import { authenticateClient } from "../oauth/authenticate_client.ts";
import { BASIC_CHALLENGE } from "../oauth/client_auth.ts";
import type { OAuthParams } from "../oauth/params.ts";
import { readBody } from "./body.ts";
import { AppError } from "./errors.ts";

const Credentials = z.object({
  client_id: z.string().min(1).max(200).optional(),
  client_secret: z.string().min(1).max(200).optional(),
});

/** The project whose client called; for requests without a body (GET), only HTTP Basic can say. */
export async function authenticateProject(c: Ctx, params: OAuthParams = {}): Promise<string> {
  if (c.req.header("authorization") === undefined && params.client_id === undefined) {
    throw new AppError("unauthorized", {
      description: "Authenticate with your project's client_id and client_secret (HTTP Basic).",
      headers: BASIC_CHALLENGE,
    });
  }
  try {
    return (await authenticateClient(c, params)).projectId;
  } catch (error) {
    if (error instanceof AppError && error.code === "invalid_client") {
      throw new AppError("unauthorized", {
        description: error.description === "Client authentication failed."
          ? "The client_id or client_secret is wrong."
          : error.description,
        headers: BASIC_CHALLENGE,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Reads a JSON object body, authenticates with Basic or the credentials in it, and returns the project and
 * the body without the credentials.
 */
export async function authenticateProjectWithBody(
  c: Ctx,
): Promise<{ projectId: string; body: Record<string, unknown> }> {
  const raw = await readBody(c, z.record(z.string(), z.unknown()), ["json"]);
  const { client_id, client_secret, ...body } = raw;
  const credentials = Credentials.safeParse({ client_id, client_secret });
  if (!credentials.success) {
    throw new AppError("unauthorized", {
      description: "client_id and client_secret must be strings.",
      headers: BASIC_CHALLENGE,
    });
  }
  const params: OAuthParams = {};
  if (credentials.data.client_id !== undefined) params.client_id = credentials.data.client_id;
  if (credentials.data.client_secret !== undefined) params.client_secret = credentials.data.client_secret;
  return { projectId: await authenticateProject(c, params), body };
}

/** A user's `sub` from the path: anything that cannot be one is simply not found. */
export function subParam(c: Ctx): string {
  const sub = c.req.param("sub") ?? "";
  if (!/^[1-9]\d{0,18}$/.test(sub) || BigInt(sub) > 9223372036854775807n) throw new AppError("not_found");
  return sub;
}

/** Responses of these APIs describe users and plans: never cached. */
export const NO_STORE = { "cache-control": "no-store" };

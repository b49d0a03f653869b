import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import {
  distrustIdentityProvider,
  listTrustedIdentityProviders,
  trustIdentityProvider,
} from "@/db/identity_assertions.ts";
import { readBody, validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { Jwks } from "@/db/client_assertions.ts";

export const callers = clients("project");

const Issuer = z.string().url().max(500).describe("The identity provider's issuer (https).");
const IdentityProviderBody = z.object({
  issuer: Issuer,
  jwks: Jwks.describe("Its public JWK Set (1–5 keys)."),
});
const IdentityProviderQuery = z.object({ issuer: Issuer });

/**
 * The enterprise identity providers whose identity assertions (ID-JAG, the jwt-bearer grant) this project
 * accepts, with the project's own credentials. See docs/mcp.md "Enterprise-managed authorization".
 */
export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, (tx) => listTrustedIdentityProviders(tx)), 200, NO_STORE);
  },
  async PUT(c) {
    const { issuer, jwks } = await readBody(c, IdentityProviderBody, ["json"]);
    return c.json(await asClient(c, (tx) => trustIdentityProvider(tx, issuer, jwks)), 200, NO_STORE);
  },
  /** ?issuer=…: an issuer URL does not fit in a path segment. */
  async DELETE(c) {
    const { issuer } = validate(IdentityProviderQuery, { issuer: c.req.query("issuer") });
    await asClient(c, (tx) => distrustIdentityProvider(tx, issuer));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Machine clients",
    summary: "List the enterprise identity providers this project trusts",
    auth: "client",
    responses: { 200: { description: "Identity providers" }, 401: COMMON_ERRORS[401] },
  },
  put: {
    tag: "Machine clients",
    summary: "Trust (or re-key) an enterprise identity provider for ID-JAG identity assertions",
    auth: "client",
    body: { schema: IdentityProviderBody, media: ["json"] },
    responses: { 200: { description: "The whole list" }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Machine clients",
    summary: "Stop trusting an identity provider (?issuer=…)",
    auth: "client",
    query: IdentityProviderQuery,
    responses: { 204: { description: "Removed" }, ...COMMON_ERRORS },
  },
};

import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { setMachineClientJwks } from "@/db/client_assertions.ts";
import { readBody } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { publicJwksProblem } from "@/lib/oauth/client_keys.ts";
import { clients } from "@/lib/router/callers.ts";

export const callers = clients("project");

const JwksBody = z.object({
  jwks: z.unknown().describe("A JWK Set of 1–5 public keys (RS256, PS256, ES256, EdDSA); null removes them."),
});

/**
 * The public keys a machine client signs client assertions with (private_key_jwt, RFC 7523): set or replace
 * them (PUT), or remove them (DELETE); the client's secret keeps working either way.
 */
export const handler: Handlers = {
  async PUT(c) {
    const body = await readBody(c, JwksBody, ["json"]);
    const checked = body.jwks === null ? { jwks: null } : await publicJwksProblem(body.jwks);
    if ("problem" in checked) {
      throw new AppError("validation_failed", { fields: { jwks: [checked.problem] } });
    }
    const client = await asClient(
      c,
      (tx) => setMachineClientJwks(tx, c.req.param("client_id")!, checked.jwks),
    );
    return c.json(client, 200, NO_STORE);
  },
  async DELETE(c) {
    const client = await asClient(c, (tx) => setMachineClientJwks(tx, c.req.param("client_id")!, null));
    return c.json(client, 200, NO_STORE);
  },
};

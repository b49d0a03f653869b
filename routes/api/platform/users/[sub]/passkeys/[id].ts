/** Removing one of a user's passkeys over the Platform API (a lost or shared device), as the dashboard does. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { AppError } from "@/lib/http/errors.ts";
import { removePasskeyAsAdmin } from "@/lib/users/admin_removals.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** The credential id as the list gives it: hex, 16 to 1023 bytes (WebAuthn's bounds). */
const CREDENTIAL_ID = /^([0-9a-f]{2}){16,1023}$/;

export const handler: Handlers = {
  async DELETE(c) {
    const sub = subParam(c);
    const hex = c.req.param("id") ?? "";
    if (!CREDENTIAL_ID.test(hex)) {
      throw new AppError("not_found", {
        description: "No passkey of this user has that id (hex, as listed).",
      });
    }
    const removed = await asClient(c, (tx, id) => removePasskeyAsAdmin(tx, id, sub, Uint8Array.fromHex(hex)));
    return c.json(removed, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Users",
    summary: "Remove one of a user's passkeys",
    description:
      "The id is the credential id in hex, as GET …/sign-in-methods lists it. The user is mailed (English and " +
      "Indonesian, naming the key) when they have an address; the app's webhook hears `user.passkey_removed`; " +
      "audited with `by: admin`. Unlike the other ways in, a passkey is removed even when it is the user's last " +
      "one (support's call, as on the dashboard: a lost device must stop working).",
    auth: "client",
    responses: {
      200: {
        description: "The removed passkey's name, and whether the user was mailed",
        schema: z.object({ name: z.string(), mailed: z.boolean() }),
      },
      ...COMMON_ERRORS,
    },
  },
};

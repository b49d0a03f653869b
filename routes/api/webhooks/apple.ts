/**
 * Sign in with Apple server-to-server notifications (docs/social-login.md): the one URL of the deployment to
 * register for the App ID in Apple's developer account. Apple names the Services ID (`aud`), not a project:
 * SQL finds the projects holding the subject through it.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { AppError } from "@/lib/http/errors.ts";
import { parseJsonBody } from "@/lib/http/json.ts";
import { readText } from "@/lib/http/body.ts";
import { APPLE_NOTIFICATION } from "@/lib/router/callers.ts";
import { APPLE_EVENT_TYPES, verifyAppleNotification } from "@/lib/login/social/apple_notifications.ts";
import { receiveAppleNotification } from "@/db/apple_notifications.ts";

export const callers = APPLE_NOTIFICATION;

const Body = z.object({ payload: z.string().min(1).max(20_000) });

export const handler: Handlers = {
  async POST(c) {
    const body = Body.safeParse(parseJsonBody(await readText(c)));
    if (!body.success) {
      throw new AppError("invalid_request", { description: 'Expected {"payload": "<JWT>"}.' });
    }
    const deps = c.var.deps;
    const { audience, eventId, event } = await verifyAppleNotification(deps.config, body.data.payload);
    // Apple may add event types: taken and ignored, so it does not retry them.
    if (!(APPLE_EVENT_TYPES as readonly string[]).includes(event.type)) {
      return c.json({ received: true }, 200);
    }
    const received = await receiveAppleNotification(deps.sql, {
      audience,
      deploymentClientId: deps.config.apple.clientId ?? null,
      eventId,
      event,
    });
    if (received === null) {
      throw new AppError("invalid_request", { description: "The notification is for another app (aud)." });
    }
    return c.json({ received: true }, 200);
  },
};

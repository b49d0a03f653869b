/** Typed call receiving a Sign in with Apple notification (db/api/apple_lifecycle.sql). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { result } from "./result.ts";

const Received = z.object({
  outcomes: z.array(z.enum(["recorded", "ignored", "unlinked", "signed_out", "replayed"])),
}).nullable();

/** Applies a verified notification in every project holding its subject; null when the audience is not ours. */
export function receiveAppleNotification(
  sql: Sql,
  notification: { audience: string; deploymentClientId: string | null; eventId: string; event: unknown },
): Promise<z.infer<typeof Received>> {
  return asApp(
    sql,
    null,
    (tx) =>
      result(
        tx`select api.receive_apple_notification(${notification.audience}, ${notification.deploymentClientId},
             ${notification.eventId}, ${JSON.stringify(notification.event)}::text::jsonb) as result`,
        Received,
      ),
  );
}

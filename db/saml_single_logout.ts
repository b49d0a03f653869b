/** Typed calls for SAML single logout (db/api/saml_single_logout.sql). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { result } from "./result.ts";

/**
 * Records the LogoutRequest's ID once (`message`: a replay fails as `conflict`) and ends the live sessions a SAML
 * sign-in through the connection started for `nameId` (only those with one of `sessionIndexes` when the IdP names
 * any), as a sign-out ends them, in one transaction — an ID is never spent on a request whose sessions did not
 * end; how many ended.
 */
export function endSamlSessions(
  sql: Sql,
  projectId: string,
  connectionId: string,
  message: { id: string; until: Date },
  nameId: string,
  sessionIndexes: string[],
) {
  return asApp(sql, projectId, async (tx) => {
    await tx`select api.record_sso_message_id(${connectionId}, ${message.id}, ${message.until})`;
    let ended = 0;
    for (const index of sessionIndexes.length > 0 ? sessionIndexes : [null]) {
      ended += await result(
        tx`select api.end_saml_sessions(${connectionId}, ${nameId}, ${index}) as result`,
        z.number(),
      );
    }
    return ended;
  }, { actor: "hosted_login:sso" });
}

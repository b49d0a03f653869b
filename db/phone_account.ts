/**
 * Typed calls for adding or changing a phone number from the account page (db/api/phone.sql): the person is
 * named by their live session's token hash, never by a user id, like every db/account.ts call.
 */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { type PhoneCodeToSend, SendDecision } from "./phone.ts";

/** Stores a code for the number the signed-in person is adding, unless a limit, the budget or the country list refuses it. */
export async function accountStartPhoneCode(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  code: PhoneCodeToSend & { freshSeconds: number },
  address: string,
): Promise<SendDecision> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.account_start_phone_code(${sessionHash}, ${code.phoneNumber}, ${code.country},
        ${code.channel}, ${code.tokenHash}, ${code.codeHash}, ${address}, ${code.freshSeconds}) as d`,
    { actor: "account_page" },
  );
  return SendDecision.parse(row.d);
}

const Confirmed = z.object({
  accepted: z.boolean(),
  phone_number: z.string().optional(),
  expired: z.boolean().optional(),
  taken: z.boolean().optional(),
  attempts_left: z.number().int().optional(),
});
export type PhoneConfirmation = z.infer<typeof Confirmed>;

/** Checks the code the person typed: the number becomes theirs (verified), or why not. */
export async function accountConfirmPhone(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  tokenHash: Uint8Array,
  codeHash: Uint8Array,
): Promise<PhoneConfirmation> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.account_confirm_phone(${sessionHash}, ${tokenHash}, ${codeHash}) as r`,
    { actor: "account_page" },
  );
  return Confirmed.parse(row.r);
}

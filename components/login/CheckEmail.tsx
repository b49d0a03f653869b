import type { ComponentChildren } from "preact";
import { type Lang, type MessageKey, MESSAGES, say } from "@/lib/login/i18n.ts";

type CheckEmailProps = {
  lang: Lang;
  notice: MessageKey;
  waitSeconds?: number;
  request: string;
  csrf: string;
  email?: string;
  /** The form's bot check, when the project protects "send the link again". */
  botCheck?: ComponentChildren;
};

/** "Check your email" with a way to have the verification link sent again. */
export function CheckEmail({ lang, notice, waitSeconds, request, csrf, email, botCheck }: CheckEmailProps) {
  const t = MESSAGES[lang];
  return (
    <>
      <p role="status" class="notice">{say(lang, notice, waitSeconds)}</p>
      {email && (
        <form method="post" action={`/auth/resend?lang=${lang}`}>
          <input type="hidden" name="request" value={request} />
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="email" value={email} />
          {botCheck}
          <button type="submit" class="button secondary">{t.resend}</button>
        </form>
      )}
    </>
  );
}

/** What the phone pages share: whether the project offers phone sign-in, SMS availability, and their data. */
import type { Ctx } from "@/lib/app_env.ts";
import type { AuthorizeRequest } from "@/lib/login/authorize_request.ts";
import { authPage, authPageData } from "@/lib/login/pages.ts";
import type { MessageKey } from "@/lib/login/i18n.ts";
import type { PhonePageData } from "@/components/login/PhoneForms.tsx";
import { smsAvailable } from "./channels.ts";
import type { PhoneMessageKey } from "./i18n.ts";

export { phoneEnabled } from "./enabled.ts";

export async function phonePage(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  title: MessageKey,
  extra: Partial<PhonePageData>,
  status = 200,
) {
  const data: PhonePageData = {
    ...authPageData(c, request, query),
    smsAvailable: await smsAvailable(c.var.deps, request.project),
    ...extra,
  };
  return authPage(data, title, status);
}

/** Why a code was not sent, as the page's message and status: limits 429, the rest 422 or 400, never a 5xx. */
export function refusal(
  reason: "country" | "rate_limited" | "budget" | "expired" | "not_sent" | "unavailable",
): { phoneError: PhoneMessageKey; status: number } {
  switch (reason) {
    case "country":
      return { phoneError: "country", status: 422 };
    case "rate_limited":
      return { phoneError: "rateLimited", status: 429 };
    case "budget":
      return { phoneError: "budget", status: 429 };
    case "expired":
      return { phoneError: "expired", status: 400 };
    case "not_sent":
      return { phoneError: "notSent", status: 422 };
    case "unavailable":
      return { phoneError: "unavailable", status: 403 };
  }
}

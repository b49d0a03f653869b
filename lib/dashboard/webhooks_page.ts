/**
 * The webhooks page (…/webhooks): the project's endpoints, their delivery log a page at a time, the `?done=`
 * messages, and the shape of its forms (every action answers with this one page).
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getProject } from "@/db/projects.ts";
import { webhookDeliveryPage } from "@/db/webhooks.ts";
import { listWebhookEndpoints } from "@/db/webhook_endpoints.ts";
import type { WebhooksData } from "./page_data.ts";
import type { PageResult } from "../router/page.tsx";
import { frameOf } from "./frame.ts";
import { formAction, type FormBody } from "./form_action.ts";
import { dashboardLang, type Lang } from "./i18n.ts";
import { both } from "./reconcile_text.ts";
import { WEBHOOKS_TEXT } from "./text/webhooks.ts";

/**
 * A webhooks notice: in Indonesian, the Indonesian; in English, English then Indonesian, as the page said
 * them before it had a language (the API and CLI word their webhook answers the same way).
 */
export function webhooksNotice(lang: Lang, key: WebhooksNotice | undefined): string | undefined {
  if (!key) return undefined;
  return lang === "id"
    ? WEBHOOKS_TEXT.id[key]
    : both({ en: WEBHOOKS_TEXT.en[key], id: WEBHOOKS_TEXT.id[key] });
}

type WebhooksNotice = typeof DONE_NOTICES[keyof typeof DONE_NOTICES] | "added" | "rotated";

function doneKey(done: string | undefined): WebhooksNotice | undefined {
  return done !== undefined && Object.hasOwn(DONE_NOTICES, done)
    ? DONE_NOTICES[done as keyof typeof DONE_NOTICES]
    : undefined;
}

/** What each `?done=` after a webhooks form says. */
const DONE_NOTICES = {
  endpoint_saved: "endpointSaved",
  endpoint_enabled: "endpointEnabled",
  endpoint_disabled: "endpointDisabled",
  endpoint_removed: "endpointRemoved",
  test_sent: "testSent",
  resent: "resent",
} as const;

/**
 * Which endpoint a form acts on: its id (wep_…), "new" (the add form), or none — a form from before there were
 * several, which acts on the oldest endpoint (or adds the first) as the singular API does.
 */
export const EndpointTarget = z.union([z.literal("new"), z.string().regex(/^wep_[a-z2-7]{24}$/)]).optional();

/** An existing endpoint a form acts on (pause, rotate, remove), or none: the oldest, as above. */
export const EndpointId = z.string().regex(/^wep_[a-z2-7]{24}$/).optional();

export const DELIVERIES_PER_PAGE = 25;
const CURSOR = /^[1-9]\d{0,17}$/;

export async function webhooksView(
  c: Ctx,
  tx: Tx,
  projectId: string,
  role: MemberRole,
  extra: Partial<Pick<WebhooksData, "error" | "notice" | "secret">> = {},
): Promise<WebhooksData> {
  const before = c.req.query("before");
  // A cursor that is not a delivery id is a bad link, not a reason to fail: show the newest page.
  const cursor = before && CURSOR.test(before) ? before : null;
  return {
    frame: frameOf(c),
    project: await getProject(tx, projectId),
    role,
    endpoints: await listWebhookEndpoints(tx, projectId),
    deliveries: await webhookDeliveryPage(tx, projectId, { before: cursor, max: DELIVERIES_PER_PAGE }),
    paged: cursor !== null,
    notice: webhooksNotice(dashboardLang(c), doneKey(c.req.query("done"))),
    ...extra,
  };
}

/**
 * Runs one form of the page, given its `body` parsed, for an admin: a `?done=` key redirects back, page extras
 * render it now.
 */
export function webhooksAction<B>(
  c: Ctx,
  body: FormBody<B>,
  run: (tx: Tx, projectId: string, form: B) => Promise<string | Partial<WebhooksData>>,
): Promise<Response | PageResult<WebhooksData>> {
  return formAction<WebhooksData, B>(c, {
    needed: "admin",
    back: `/dashboard/projects/${c.req.param("id")}/webhooks`,
    body,
    load: (tx, role, projectId, extra) => webhooksView(c, tx, projectId, role, extra),
    run: async (tx, projectId, role, form) => {
      const answer = await run(tx, projectId, form);
      return typeof answer === "string" ? answer : await webhooksView(c, tx, projectId, role, answer);
    },
    title: (data) => `${WEBHOOKS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
  });
}

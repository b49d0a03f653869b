/**
 * Sending a sign-in code to a phone: a uniform 6-digit code, its pending row (limits, budget and countries
 * decided in Postgres), the send by WhatsApp with SMS as the fallback when WhatsApp fails, and a log line per
 * message. Sandbox projects send nothing: the code waits in the dashboard's message log. The browser holds the
 * pending code's token in a cookie (only its SHA-256 is stored), bound to the project.
 */
import { getCookie, setCookie } from "hono/cookie";
import type { Ctx } from "@/lib/app_env.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { cookieName } from "@/lib/login/browser.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import {
  type Channel,
  logPhoneMessage,
  resendPhoneCode,
  type SendDecision,
  startPhoneCode,
} from "@/db/phone.ts";
import { availableChannels, sendCode } from "./providers/index.ts";
import { projectSenders } from "./providers/project_credentials.ts";
import type { PhoneNumber } from "./number.ts";

const PENDING_SECONDS = 600;

/** A 6-digit code, every value equally likely (rejection sampling, no modulo bias). */
export function newCode(): string {
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  for (;;) {
    const [value] = crypto.getRandomValues(new Uint32Array(1));
    if (value < limit) return String(value % 1_000_000).padStart(6, "0");
  }
}

/** What Postgres stores of a code: SHA-256 over the browser's token and the code together. */
export const codeHash = (token: string, code: string) => sha256(`${token}:${code.replace(/\s/g, "")}`);

/**
 * A sign-in code, one adding a number to the signed-in person's account (/account/phone), or the second step
 * of a sign-in (/auth/mfa): each has its own cookie.
 */
export type CodePurpose = "sign_in" | "account" | "mfa";

const pendingCookie = (c: Ctx, projectId: string, purpose: CodePurpose) =>
  cookieName(c, purpose === "sign_in" ? `astapa_phone_${projectId}` : `astapa_phone_${purpose}_${projectId}`);

export function readPendingToken(
  c: Ctx,
  projectId: string,
  purpose: CodePurpose = "sign_in",
): string | undefined {
  const token = getCookie(c, pendingCookie(c, projectId, purpose));
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
}

export function writePendingToken(
  c: Ctx,
  projectId: string,
  token: string | null,
  purpose: CodePurpose = "sign_in",
): void {
  setCookie(c, pendingCookie(c, projectId, purpose), token ?? "", {
    path: "/",
    httpOnly: true,
    secure: c.var.deps.config.baseUrl.startsWith("https://"),
    sameSite: "Lax",
    maxAge: token ? PENDING_SECONDS : 0,
  });
}

type Project = { id: string; name: string };
export type SendResult =
  | { sent: true; channel: Channel; fellBack: boolean }
  | {
    sent: false;
    reason: "country" | "rate_limited" | "budget" | "expired" | "not_sent" | "unavailable";
    wait?: number;
  };

/** Starts a sign-in code for the number by `channel` and sends it (falling back to SMS). */
export function startAndSend(
  c: Ctx,
  project: Project,
  phone: PhoneNumber,
  channel: Channel,
  lang: Lang,
): Promise<SendResult> {
  return sendNewCode(
    c,
    project,
    { phone, channel, lang, purpose: "sign_in" },
    (hashes) =>
      startPhoneCode(c.var.deps.sql, project.id, {
        phoneNumber: phone.e164,
        country: phone.country,
        channel,
        ...hashes,
      }, clientAddress(c)),
  );
}

/**
 * A new code for the number, stored by `store` (which decides limits, budget and countries in Postgres) and
 * sent (falling back to SMS); its token goes in the purpose's cookie.
 */
export async function sendNewCode(
  c: Ctx,
  project: Project,
  m: { phone: PhoneNumber; channel: Channel; lang: Lang; purpose: CodePurpose },
  store: (hashes: { tokenHash: Uint8Array; codeHash: Uint8Array }) => Promise<SendDecision>,
): Promise<SendResult> {
  const token = randomSecret();
  const code = newCode();
  const decision = await store({ tokenHash: await sha256(token), codeHash: await codeHash(token, code) });
  if (!decision.sent) return decision;
  writePendingToken(c, project.id, token, m.purpose);
  return await deliver(c, project, {
    token,
    phone: m.phone.e164,
    channel: m.channel,
    code,
    lang: m.lang,
    decision,
  });
}

/** A new code for the pending one, by SMS (the person asked, or WhatsApp failed). */
export async function resendBySms(c: Ctx, project: Project, token: string, lang: Lang): Promise<SendResult> {
  const code = newCode();
  const decision = await resendPhoneCode(c.var.deps.sql, project.id, {
    tokenHash: await sha256(token),
    channel: "sms",
    codeHash: await codeHash(token, code),
  }, clientAddress(c));
  if (!decision.sent || !decision.phone_number) {
    return decision.sent ? { sent: false, reason: "expired" } : decision;
  }
  return await deliver(c, project, {
    token,
    phone: decision.phone_number,
    channel: "sms",
    code,
    lang,
    decision,
  });
}

async function deliver(
  c: Ctx,
  project: Project,
  m: { token: string; phone: string; channel: Channel; code: string; lang: Lang; decision: SendDecision },
): Promise<SendResult> {
  const { sql, config } = c.var.deps;
  const address = clientAddress(c);
  if (m.decision.sent && m.decision.sandbox) {
    await logPhoneMessage(sql, project.id, {
      phoneNumber: m.phone,
      channel: m.channel,
      provider: "sandbox",
      status: "sandbox",
      sandboxText: `${project.name}: ${m.code}`,
    }, address);
    return { sent: true, channel: m.channel, fellBack: false };
  }
  const own = await projectSenders(c.var.deps, project.id);
  const outcome = await sendCode(
    config.phone,
    {
      to: m.phone,
      code: m.code,
      channel: m.channel,
      lang: m.lang,
      appName: project.name,
    },
    undefined,
    own,
  );
  await logPhoneMessage(sql, project.id, {
    phoneNumber: m.phone,
    channel: m.channel,
    provider: outcome.provider,
    status: outcome.ok ? "sent" : "failed",
    ...(outcome.ok
      ? { providerMessageId: outcome.providerMessageId, cost: outcome.cost, currency: outcome.currency }
      : { error: outcome.error }),
  }, address);
  if (outcome.ok) return { sent: true, channel: m.channel, fellBack: false };
  const smsToo = availableChannels(config.phone).includes("sms") ||
    own.some((s) => s.channels.includes("sms"));
  if (m.channel === "whatsapp" && smsToo) {
    const fallback = await resendBySms(c, project, m.token, m.lang);
    return fallback.sent ? { ...fallback, fellBack: true } : fallback;
  }
  return { sent: false, reason: "not_sent" };
}

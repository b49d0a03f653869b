/**
 * Delivers the mail outbox over SMTP (SMTP_URL). Every instance runs one sender: it wakes on
 * NOTIFY astapa_mail, sweeps every 30 s for retries, and claims rows with SKIP LOCKED so no message goes twice.
 */
import type { Sql } from "@/db/client.ts";
import { asApp } from "@/db/client.ts";
import { log } from "../http/log.ts";
import { payloadProject, ProjectWakeups } from "@/lib/project_wakeups.ts";
import { projectBranding } from "@/db/branding.ts";
import { type Brand, brandOf } from "@/lib/branding/brand.ts";
import { brandMail } from "@/lib/branding/mail.ts";
import { lazyImport } from "@/lib/lazy_import.ts";

// nodemailer (about 24 MB resident) loads with the first mail to send, not when the server starts.
const nodemailer = lazyImport("nodemailer", () => import("nodemailer"));

const SWEEP_MS = 30_000;
/** Mails claimed per project and pass: projects take turns, 20 at a time, however much one has queued. */
const BATCH = 20;

/**
 * nodemailer waits minutes by default (2 min to connect, 10 min of a silent socket). Mail goes out one at a
 * time from this worker, never inside a request or a transaction, but api.claim_mail lets another instance
 * claim a mail again 30 s after this one did: a stalled server would hold up every later mail (sign-in codes
 * among them) and let the same mail go twice. These keep an attempt inside that window in practice; SMTP_URL's
 * own query parameters (nodemailer reads them as options) win.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

export type MailRow = {
  project_id: string;
  id: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  /** The project's sender name (settings.mail_sender_name when queued), shown with MAIL_FROM's address. */
  from_name: string | null;
  /** The project's own from address (settings.mail_from_address when queued); used only on an allowed domain. */
  from_address: string | null;
};
type Transport = { sendMail(message: Record<string, unknown>): Promise<unknown> };

export class MailSender {
  #sql: Sql;
  #smtpUrl: string;
  #transport?: Transport;
  #from: string;
  #fromDomains: string[];
  #timer?: ReturnType<typeof setInterval>;
  #listening?: { unlisten(): Promise<void> };
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  #wakeups = new ProjectWakeups();
  #baseUrl?: string;
  #sweepMs: number;
  #stopped = false;

  /**
   * `fromDomains`: the domains a project's own From address may use (MAIL_FROM_DOMAINS); `baseUrl` (the
   * deployment's address) makes the project's logo in the mail an absolute URL; `sweepMs`: how often a pass
   * runs without a notification (retries, a lost wake-up).
   */
  constructor(
    sql: Sql,
    smtpUrl: string,
    from: string,
    { fromDomains = [], baseUrl, sweepMs = SWEEP_MS }: {
      fromDomains?: string[];
      baseUrl?: string;
      sweepMs?: number;
    } = {},
  ) {
    this.#sweepMs = sweepMs;
    this.#sql = sql;
    this.#baseUrl = baseUrl;
    this.#smtpUrl = smtpUrl;
    this.#from = from;
    this.#fromDomains = fromDomains;
  }

  async start(): Promise<void> {
    // The third callback runs again after every re-listen (a failover): send what was queued meanwhile.
    this.#listening = await this.#sql.listen(
      "astapa_mail",
      (payload) => void this.#wake(payloadProject(payload)),
      () => void this.drain(),
    );
    this.#timer = setInterval(() => this.drain(), this.#sweepMs);
    await this.drain();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#listening?.unlisten();
    await this.#running;
  }

  /**
   * Sends everything due. Passes run one at a time; calls made while one runs share the single pass queued
   * after it, so a burst of notifications costs two passes and every caller's mail is covered when it resolves.
   */
  drain(): Promise<void> {
    return this.#wake(null);
  }

  /** A pass over `projectId`'s mail (null: every project's), shared with a pass queued and not yet started. */
  #wake(projectId: string | null): Promise<void> {
    this.#wakeups.add(projectId);
    if (this.#queued) return this.#queued;
    const after = this.#running ?? Promise.resolve();
    const pass: Promise<void> = after.then(() => {
      this.#queued = null;
      return this.#pass();
    });
    this.#queued = pass;
    this.#running = pass.finally(() => {
      if (this.#running === settled) this.#running = null;
    });
    const settled = this.#running;
    return pass;
  }

  async #pass(): Promise<void> {
    try {
      const projects: string[] = this.#wakeups.take() ?? await asApp(
        this.#sql,
        null,
        async (tx) => (await tx`select api.projects_with_mail() as ids`)[0].ids,
      );
      for (const projectId of projects) {
        const { batch, brand } = await asApp(this.#sql, projectId, async (tx) => {
          const batch = await tx<MailRow[]>`select * from api.claim_mail(${BATCH})`;
          return { batch, brand: batch.length ? await projectBranding(tx, projectId) : null };
        });
        if (batch.length === 0) continue;
        // A full batch may have more behind it: the project's turn comes again in the next pass.
        if (batch.length === BATCH && !this.#stopped) void this.#wake(projectId);
        // Every mail of the project carries its brand, whichever code composed it.
        const branded = brand
          ? brandOf({ id: projectId, name: brand.name, settings: { branding: brand.branding } })
          : null;
        for (const mail of batch) {
          // The sender name: the project's own (mail_sender_name), else its brand's display name.
          const named = mail.from_name ? mail : { ...mail, from_name: brand?.branding.display_name ?? null };
          await this.#send(projectId, named, branded);
        }
      }
    } catch (error) {
      log("warn", "mail pass failed", { error });
    }
  }

  async #send(projectId: string, mail: MailRow, brand: Brand | null): Promise<void> {
    let failure: string | null = null;
    const content = brand
      ? brandMail(mail, brand, this.#baseUrl)
      : { text: mail.body_text, html: mail.body_html };
    // Outside the try: a library that fails to load fails the pass (logged), not this one mail's delivery.
    const transport = this.#transport ??= await smtpTransport(this.#smtpUrl);
    try {
      await transport.sendMail({
        from: fromHeader(this.#from, mail.from_name, mail.from_address, this.#fromDomains),
        to: mail.to_address,
        subject: mail.subject,
        text: content.text,
        ...(content.html ? { html: content.html } : {}),
        ...("replyTo" in content && content.replyTo ? { replyTo: content.replyTo } : {}),
      });
    } catch (error) {
      failure = error instanceof Error ? error.message.slice(0, 500) : String(error);
      log("warn", "mail not delivered", { project_id: projectId, mail_id: mail.id, error: failure });
    }
    await asApp(this.#sql, projectId, (tx) => tx`select api.mail_delivered(${mail.id}, ${failure})`);
  }
}

/** nodemailer's transport for SMTP_URL, with SMTP_TIMEOUTS where the URL sets none. */
export async function smtpTransport(smtpUrl: string): Promise<Transport> {
  return (await nodemailer()).default.createTransport(withSmtpTimeouts(smtpUrl));
}

/** SMTP_URL plus the timeouts it does not set, appended as text so its user and password stay as written. */
export function withSmtpTimeouts(smtpUrl: string): string {
  const own = new URL(smtpUrl).searchParams;
  const added = Object.entries(SMTP_TIMEOUTS).filter(([name]) => !own.has(name)).map(([name, ms]) =>
    `${name}=${ms}`
  );
  if (added.length === 0) return smtpUrl;
  return `${smtpUrl}${smtpUrl.includes("?") ? "&" : "?"}${added.join("&")}`;
}

/**
 * MAIL_FROM ("Name <addr>" or "addr"), with the project's sender name in place of the name when it set one,
 * and the project's own address in place of the address when its domain is one this deployment may send for
 * (`allowedDomains`); any other domain would fail SPF/DKIM at the receiver, so MAIL_FROM's address is kept.
 */
export function fromHeader(
  configured: string,
  name: string | null,
  ownAddress: string | null = null,
  allowedDomains: string[] = [],
): string | { name: string; address: string } {
  const configuredName = /^\s*"?([^"<]*?)"?\s*<[^<>]+>\s*$/.exec(configured)?.[1] ?? "";
  const configuredAddress = /<([^<>]+)>\s*$/.exec(configured)?.[1] ?? configured.trim();
  const domain = ownAddress?.split("@")[1]?.toLowerCase();
  const address = ownAddress && domain && allowedDomains.includes(domain) ? ownAddress : configuredAddress;
  if (!name && address === configuredAddress) return configured;
  return { name: name ?? configuredName, address };
}

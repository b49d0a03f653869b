/**
 * The /device page's steps (RFC 8628 §3.3): the person types the user code shown on their device, signs in to
 * the project that code belongs to through the hosted login (unless this browser already is, with the second
 * factor the project's policy asks for), then allows or denies the client — named,
 * with the resource and its host, and the scopes — for that one request, unless they already allowed that
 * third-party client every scope it asks for that resource (remembered consent, as in the code flow). Every
 * step re-reads the request by its code; failed codes are counted per address (brute force, RFC 8628 §5.1). No
 * JavaScript is needed.
 */
import { useBrand } from "../branding/use_brand.ts";
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import { liveSession } from "@/db/login.ts";
import {
  decideDeviceAuthorization,
  deviceAuthorizationForUserCode,
  type PendingDeviceAuthorization,
} from "@/db/device_authorizations.ts";
import { readBody } from "../http/body.ts";
import { limitAddress } from "../http/client_address.ts";
import { toAppError } from "../http/errors.ts";
import { page, type PageResult } from "../router/page.tsx";
import { consentCovers } from "@/db/consents.ts";
import { displayUserCode, normalizeUserCode, USER_CODE_FAILURES } from "../oauth/device_codes.ts";
import { csrfToken, formAccepted, readSession } from "./browser.ts";
import { DEVICE_MESSAGES, type DeviceMessage } from "./device_messages.ts";
import { isMetadataDocumentClientId } from "../oauth/client_metadata_document.ts";
import { mfaOwed } from "./factors/policy.ts";
import { type Lang, pickLang } from "./i18n.ts";

export type DeviceStep = "enter" | "consent" | "allowed" | "denied";

/** What the person is asked to allow; the client's name is its own claim, the resource's host is not. */
export type DeviceRequestView = {
  projectName: string;
  clientName: string;
  thirdParty: boolean;
  /** A client known by its metadata document URL: that URL's host, the one thing Astapa checked. */
  clientHost?: string;
  resource?: string;
  resourceName?: string;
  resourceHost?: string;
  scopes: string[];
};

export type DevicePageData = {
  lang: Lang;
  csrf: string;
  step: DeviceStep;
  userCode: string;
  error?: DeviceMessage;
  waitSeconds?: number;
  request?: DeviceRequestView;
  /** Allowed without asking: the person had already allowed this client these scopes for this resource. */
  remembered?: boolean;
};

const DeviceForm = z.object({
  csrf: z.string().max(100),
  user_code: z.string().max(40),
  step: z.enum(["enter", "decide"]),
  decision: z.enum(["allow", "deny"]).optional(),
});

const TITLES: Record<DeviceStep, DeviceMessage> = {
  enter: "enterTitle",
  consent: "consentTitle",
  allowed: "allowedTitle",
  denied: "deniedTitle",
};

function devicePage(data: DevicePageData, status = 200): PageResult<DevicePageData> {
  return page(data, { title: DEVICE_MESSAGES[data.lang][TITLES[data.step]], lang: data.lang, status });
}

/** GET /device, optionally with ?user_code= (verification_uri_complete): the code-entry form. */
export function showDevice(c: Ctx): PageResult<DevicePageData> {
  const typed = new URL(c.req.url).searchParams.get("user_code") ?? "";
  const code = normalizeUserCode(typed);
  return devicePage({
    lang: pickLang(c),
    csrf: csrfToken(c),
    step: "enter",
    userCode: code ? displayUserCode(code) : "",
  });
}

function hostOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}

function view(found: PendingDeviceAuthorization): DeviceRequestView {
  const host = hostOf(found.resource);
  const clientHost = isMetadataDocumentClientId(found.client_id) ? hostOf(found.client_id) : undefined;
  return {
    projectName: found.project.name,
    clientName: found.client_name,
    thirdParty: found.third_party,
    ...(clientHost ? { clientHost } : {}),
    ...(found.resource ? { resource: found.resource } : {}),
    ...(found.resource_name ? { resourceName: found.resource_name } : {}),
    ...(host ? { resourceHost: host } : {}),
    scopes: found.scope?.split(" ") ?? [],
  };
}

/** POST /device: one step of the flow, rendered in place (the state is the user code and the session). */
export async function postDevice(c: Ctx): Promise<PageResult<DevicePageData> | Response> {
  const form = await readBody(c, DeviceForm, ["form"]);
  const { sql } = c.var.deps;
  const base = { lang: pickLang(c), csrf: csrfToken(c), userCode: form.user_code.trim().slice(0, 20) };
  const again = (step: DeviceStep, extra: Partial<DevicePageData>, status = 200) =>
    devicePage({ ...base, step, ...extra }, status);
  if (!formAccepted(c, form.csrf)) {
    const shown = await staleStep(c, form);
    return again(shown.step, { ...shown.extra, error: "staleForm" }, 403);
  }

  const code = normalizeUserCode(form.user_code) ?? "";
  const buckets = [{
    name: `device_code:address:${limitAddress(c)}`,
    max: USER_CODE_FAILURES.perAddress,
    window_seconds: USER_CODE_FAILURES.windowSeconds,
  }];
  const found = await deviceAuthorizationForUserCode(sql, code, buckets);
  if (found && "wait" in found) return again("enter", { error: "tooMany", waitSeconds: found.wait }, 429);
  if (!found) return again("enter", { error: form.step === "enter" ? "badCode" : "expired" }, 422);
  const request = view(found);
  const project = found.project;
  useBrand(c, project); // the code names the project: from here on the page is its
  // Signing in is the hosted login's, with everything it enforces (second factor, passwords off, social,
  // passkeys); a session without the second factor the project's policy asks for signs in again there.
  const session = readSession(c, project.id);
  const live = session ? await liveSession(sql, project.id, session) : null;
  if (!session || !live || mfaOwed(project, undefined, live.amr)) {
    return signInFirst(c, found, base.lang, code);
  }
  const userId = live.user_id;
  const remembered = form.step !== "decide" && await alreadyAllowed(c, found, userId);
  if (!remembered && (form.step !== "decide" || !form.decision)) return again("consent", { request });
  const approve = remembered || form.decision === "allow";
  let decided: boolean;
  try {
    decided = await decideDeviceAuthorization(sql, project.id, { userCode: code, session, userId, approve });
  } catch (error) {
    // The session ended since it was found live (a sign-out everywhere, a reset, a claim, a disable): nothing was
    // decided; the person signs in again.
    if (toAppError(error).code !== "invalid_grant") throw error;
    return signInFirst(c, found, base.lang, code);
  }
  if (!decided) return again("enter", { error: "expired" }, 422);
  return again(approve ? "allowed" : "denied", remembered ? { request, remembered } : {});
}

/**
 * Where a stale form comes back, as a reload would show it: a decision's question again while its code is
 * pending and the person signed in (looked up without counting a failure: nothing is counted or decided), else
 * the code entry with the code filled in.
 */
async function staleStep(
  c: Ctx,
  form: z.infer<typeof DeviceForm>,
): Promise<{ step: DeviceStep; extra?: Partial<DevicePageData> }> {
  if (form.step !== "decide") return { step: "enter" };
  const { sql } = c.var.deps;
  const found = await deviceAuthorizationForUserCode(sql, normalizeUserCode(form.user_code) ?? "", []);
  if (!found || "wait" in found) return { step: "enter" };
  const session = readSession(c, found.project.id);
  const live = session ? await liveSession(sql, found.project.id, session) : null;
  if (!live || mfaOwed(found.project, undefined, live.amr)) return { step: "enter" };
  useBrand(c, found.project);
  return { step: "consent", extra: { request: view(found) } };
}

/**
 * Through the hosted login with the project's own client and back to /device with the code (routes/device/
 * callback.ts), where the person confirms it once more: the code on their device is the check that they started
 * this (RFC 8628 §5.4).
 */
function signInFirst(c: Ctx, found: PendingDeviceAuthorization, lang: Lang, code: string): Response {
  const login = new URLSearchParams({
    client_id: found.project.client_id,
    redirect_uri: `${c.var.deps.config.baseUrl}/device/callback`,
    response_type: "code",
    scope: "openid",
    state: new URLSearchParams({ user_code: displayUserCode(code), lang }).toString(),
    ui_locales: lang,
  });
  return c.redirect(`/auth/login?${login}`, 303);
}

/**
 * Whether the person already allowed this third-party client every scope the request asks for its resource
 * (db/api/consents.sql). The project's own client is always confirmed: on /device the question is also the
 * check that the person started this on their device (RFC 8628 §5.4).
 */
async function alreadyAllowed(c: Ctx, found: PendingDeviceAuthorization, userId: string): Promise<boolean> {
  if (!found.third_party || !found.resource) return false;
  return await consentCovers(c.var.deps.sql, found.project.id, {
    userId,
    clientId: found.client_id,
    resource: found.resource,
    scope: found.scope ?? "",
  });
}

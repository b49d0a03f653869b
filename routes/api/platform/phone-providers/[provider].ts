/**
 * PUT / DELETE /api/platform/phone-providers/{provider}: sets or clears the project's own account at a phone
 * code provider (whatsapp_cloud, twilio_verify, zenziva). Its codes then go through that account before the
 * deployment's. The fields are sealed under the master key, bound to the project and provider, and never
 * returned (the answer carries the hint only); api.set_phone_provider_credentials audits the change.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { PHONE_PROVIDERS, type PhoneProviderId, setPhoneProviderCredentials } from "@/db/phone_providers.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { PROVIDER_FIELDS, sealPhoneProvider } from "@/lib/phone/providers/project_credentials.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

const Provider = z.enum(PHONE_PROVIDERS);

/** For the API reference: one provider's fields (the path's provider picks which). */
const AnyProviderFields = z.union([
  PROVIDER_FIELDS.whatsapp_cloud.describe(
    "whatsapp_cloud: access_token, phone_number_id, template (optional)",
  ),
  PROVIDER_FIELDS.twilio_verify.describe("twilio_verify: account_sid, auth_token, service_sid"),
  PROVIDER_FIELDS.zenziva.describe("zenziva: userkey, passkey"),
]);

function providerParam(c: Ctx): PhoneProviderId {
  const parsed = Provider.safeParse(c.req.param("provider"));
  if (!parsed.success) {
    throw new AppError("not_found", {
      description: "The provider is whatsapp_cloud, twilio_verify or zenziva.",
    });
  }
  return parsed.data;
}

export const handler: Handlers = {
  async PUT(c) {
    const provider = providerParam(c);
    const fields = validate(PROVIDER_FIELDS[provider], await bodyWithoutCredentials(c)) as Record<
      string,
      string
    >;
    const { hint } = await asClient(c, async (tx, projectId) => {
      const sealed = await sealPhoneProvider(c.var.deps.masterKeys.phone, projectId, provider, fields);
      await setPhoneProviderCredentials(tx, projectId, provider, sealed);
      return sealed;
    });
    return c.json({ provider, hint }, 200, NO_STORE);
  },
  async DELETE(c) {
    const provider = providerParam(c);
    await asClient(c, (tx, projectId) => setPhoneProviderCredentials(tx, projectId, provider, null));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  put: {
    tag: "Phone",
    summary:
      "Send the project's codes through its own provider account (write-only; answers {provider, hint})",
    auth: "client",
    body: { schema: AnyProviderFields, media: ["json"] },
    responses: { 200: { description: "{provider, hint}" }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Phone",
    summary: "Stop using the project's own account at this provider (the deployment's sends again)",
    auth: "client",
    responses: { 204: { description: "Cleared" }, ...COMMON_ERRORS },
  },
};

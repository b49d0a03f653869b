/**
 * A SCIM User as the IdP sends it (RFC 7643 §4.1) → the attributes Astapa keeps (db/scim.ts ScimUserInput):
 * userName (the address the account signs in with), externalId, name.givenName/familyName/formatted, displayName,
 * nickName, preferredLanguage, locale, timezone, emails and active (the names, nickName, the language and the
 * time zone also set the account's profile, db/api/scim.sql). Other attributes (title, phoneNumbers, profileUrl,
 * the enterprise extension, …) are accepted and not kept, so an IdP's default attribute mappings work. Entra ID's
 * string booleans ("True", "False") count as booleans.
 */
import { z } from "zod";
import type { ScimUserInput, ScimUserResource } from "@/db/scim.ts";

/** A boolean, or Entra ID's spelling of one as a string. */
export const ScimBoolean = z.union([
  z.boolean(),
  z.string().regex(/^(true|false)$/i, "must be true or false").transform((s) => s.toLowerCase() === "true"),
]);

const text = (max: number) => z.string().trim().max(max);

export const ScimEmail = z.looseObject({
  value: text(254).min(3),
  type: text(40).optional(),
  primary: ScimBoolean.optional(),
});

/** The request body of POST /Users and PUT /Users/{id}. */
export const ScimUserBody = z.looseObject({
  schemas: z.array(z.string().max(200)).max(10).optional(),
  userName: text(254).min(3, "userName is the person's email address"),
  externalId: text(255).nullish(),
  name: z.looseObject({
    givenName: text(255).nullish(),
    familyName: text(255).nullish(),
    formatted: text(255).nullish(),
  }).nullish(),
  displayName: text(255).nullish(),
  nickName: text(255).nullish(),
  preferredLanguage: text(255).nullish(),
  locale: text(64).nullish(),
  timezone: text(64).nullish(),
  emails: z.array(ScimEmail).max(10).nullish(),
  active: ScimBoolean.nullish(),
});
export type ScimUserBody = z.infer<typeof ScimUserBody>;

/**
 * The kept attributes of a checked body. A missing active is null: a POST makes the person active, a PUT keeps
 * what they were (a replace that forgets the attribute must not re-provision someone deprovisioned).
 */
export function userInput(body: ScimUserBody): ScimUserInput {
  return {
    userName: body.userName,
    externalId: body.externalId || null,
    givenName: body.name?.givenName || null,
    familyName: body.name?.familyName || null,
    formatted: body.name?.formatted || null,
    displayName: body.displayName || null,
    nickName: body.nickName || null,
    preferredLanguage: body.preferredLanguage || null,
    locale: body.locale || null,
    timezone: body.timezone || null,
    emails: (body.emails ?? []).map((e) => ({
      value: e.value,
      ...(e.type ? { type: e.type } : {}),
      ...(e.primary !== undefined ? { primary: e.primary } : {}),
    })),
    active: body.active ?? null,
  };
}

/**
 * The resource as SQL answered it, in SCIM's shape again (what a PATCH starts from). A name.formatted that is just
 * the given and family name is left out: it is what SQL answers when the IdP sent none, so it follows a PATCH of
 * the names rather than keeping the old ones; one the IdP sent otherwise stays until it changes it.
 */
export function resourceBody(resource: ScimUserResource): Record<string, unknown> {
  const { id: _id, meta: _meta, schemas: _schemas, ...attributes } = structuredClone(resource);
  if (isObject(attributes.name)) {
    const { formatted, ...name } = attributes.name;
    const derived = [name.givenName, name.familyName].filter(Boolean).join(" ");
    attributes.name = formatted === derived ? name : attributes.name;
  }
  return attributes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The resource with meta.location, which only the app can build (RFC 7644 §3.1). */
export function withLocation(resource: ScimUserResource, baseUrl: string): ScimUserResource {
  return { ...resource, meta: { ...resource.meta, location: `${baseUrl}/Users/${resource.id}` } };
}

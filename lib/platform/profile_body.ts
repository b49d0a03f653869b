/**
 * The profile fields a Platform API body may set (POST and PATCH /api/platform/users): the OpenID Connect
 * profile claims Astapa keeps. Bounded here so a huge value is a 400 before any SQL; the rules themselves
 * (lengths, no control or invisible characters, an https picture, a BCP 47 locale) are the database's
 * (db/api/profile.sql), which answers a breach as a validation_failed naming the field.
 */
import { z } from "zod";
import type { ProfileInput } from "@/db/users.ts";

const text = (max: number, what: string) =>
  z.string({ message: `${what} must be a string or null.` }).max(max, `${what} is too long.`).nullable()
    .optional();

export const PROFILE_FIELDS = {
  name: text(1000, "name").describe("Full name as shown (at most 256 characters); null or blank clears it."),
  given_name: text(1000, "given_name").describe("Given (first) name, at most 128 characters."),
  family_name: text(1000, "family_name").describe("Family (last) name, at most 128 characters."),
  picture: text(4096, "picture").describe(
    "An https:// URL of the person's picture (at most 2048 characters).",
  ),
  locale: text(100, "locale").describe("A BCP 47 language tag, e.g. id-ID (en_US is read as en-US)."),
};

/** The profile keys present in a parsed body. */
export function profileInput(body: ProfileInput): ProfileInput {
  return Object.fromEntries(
    Object.keys(PROFILE_FIELDS).filter((key) => key in body).map((
      key,
    ) => [key, body[key as keyof ProfileInput]]),
  );
}

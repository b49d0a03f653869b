/**
 * The profile fields a Platform API body may set (POST and PATCH /api/platform/users), and the dashboard's profile
 * form with them (routes/dashboard/projects/[id]/users/[sub]/profile.tsx): the OpenID Connect profile claims
 * Astapa keeps. Bounded here so a huge value is a 400 before any SQL; the rules themselves
 * (lengths, no control or invisible characters, an https picture, a BCP 47 locale, a known time zone, a birthdate
 * not in the future) are the database's
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
  nickname: text(1000, "nickname").describe("A casual name, at most 128 characters."),
  middle_name: text(1000, "middle_name").describe("Middle name(s), at most 128 characters."),
  preferred_username: text(1000, "preferred_username").describe(
    "The name the person goes by in the app, at most 128 characters; not unique, never a key.",
  ),
  website: text(4096, "website").describe(
    "An https:// or http:// URL of their web page (at most 2000 characters).",
  ),
  zoneinfo: text(100, "zoneinfo").describe("An IANA time zone name, e.g. Asia/Jakarta."),
  birthdate: text(100, "birthdate").describe(
    "YYYY-MM-DD, or 0000-MM-DD without the year; not in the future.",
  ),
  gender: text(1000, "gender").describe("Free text, at most 64 characters (female, male, or any other)."),
};

/**
 * The profile field a database refusal names (astapa.profile_problem's messages start with the field's name), or
 * null for a refusal of something else.
 */
export function refusedProfileField(description: string | undefined): keyof typeof PROFILE_FIELDS | null {
  const field = description?.match(/^([a-z_]+) /)?.[1] ?? "";
  return Object.hasOwn(PROFILE_FIELDS, field) ? field as keyof typeof PROFILE_FIELDS : null;
}

/** The profile keys present in a parsed body. */
export function profileInput(body: ProfileInput): ProfileInput {
  return Object.fromEntries(
    Object.keys(PROFILE_FIELDS).filter((key) => key in body).map((
      key,
    ) => [key, body[key as keyof ProfileInput]]),
  );
}

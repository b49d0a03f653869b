/**
 * A refresh token is its row's lookup id (a UUID version 7, 22 base64url characters) followed by a 256-bit
 * secret (43 characters); the database keeps the secret's SHA-256 and finds the row by the id, whose time order
 * keeps its index's hot pages few (issue 24, growth). Tokens issued before lookup ids are the secret alone.
 * A token's successor secret is HMAC(successor key, token): whoever presents the same token inside the grace
 * window gets the same successor, which is what lets concurrent refreshes (several tabs, server rendering)
 * agree instead of logging out.
 */
import { createHmac, type KeyObject } from "node:crypto";
import { base64url, randomSecret, sha256 } from "../secrets.ts";

const LOOKUP_ID_LENGTH = 22;
const TOKEN_LENGTH = LOOKUP_ID_LENGTH + 43;

/** What a presented refresh token is looked up by: the id it carries (null: an older token), its secret's hash. */
export type PresentedRefreshToken = { lookupId: string | null; secretHash: Uint8Array };

/** A new token's secret; its lookup id comes from the row the grant creates. */
export function newRefreshSecret(): string {
  return randomSecret();
}

/** The token handed to the client: the grant's lookup id, then the secret (the secret alone for an older row). */
export function refreshTokenText(lookupId: string | null | undefined, secret: string): string {
  return lookupId ? base64url.encode(uuidBytes(lookupId)) + secret : secret;
}

/** Any other text is read as an older token, which the database then does not find. */
export async function readRefreshToken(token: string): Promise<PresentedRefreshToken> {
  if (token.length === TOKEN_LENGTH && /^[A-Za-z0-9_-]+$/.test(token)) {
    const idText = token.slice(0, LOOKUP_ID_LENGTH);
    const id = base64url.decode(idText);
    // Only the canonical spelling: 22 characters hold 132 bits, and the last 4 must be zero.
    if (base64url.encode(id) === idText) {
      return { lookupId: uuidText(id), secretHash: await sha256(token.slice(LOOKUP_ID_LENGTH)) };
    }
  }
  return { lookupId: null, secretHash: await sha256(token) };
}

/** The successor's secret, the same for every presentation of the same token. */
export function successorOf(successorKey: KeyObject, token: string): Promise<string> {
  return Promise.resolve(base64url.encode(createHmac("sha256", successorKey).update(token, "utf8").digest()));
}

function uuidBytes(uuid: string): Uint8Array {
  return Uint8Array.fromHex(uuid.replaceAll("-", ""));
}

function uuidText(bytes: Uint8Array): string {
  const hex = bytes.toHex();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

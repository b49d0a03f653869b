/**
 * Refresh tokens are 256-bit random strings; the database keeps their SHA-256. A token's successor is
 * HMAC(successor key, token): whoever presents the same token inside the grace window gets the same successor,
 * which is what lets concurrent refreshes (several tabs, server rendering) agree instead of logging out.
 */
import { createHmac, type KeyObject } from "node:crypto";
import { base64url, randomSecret } from "../secrets.ts";

export function newRefreshToken(): string {
  return randomSecret();
}

export function successorOf(successorKey: KeyObject, token: string): Promise<string> {
  return Promise.resolve(base64url.encode(createHmac("sha256", successorKey).update(token, "utf8").digest()));
}

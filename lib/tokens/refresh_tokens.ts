/**
 * Refresh tokens are 256-bit random strings; the database keeps their SHA-256. A token's successor is
 * HMAC(successor key, token): whoever presents the same token inside the grace window gets the same successor,
 * which is what lets concurrent refreshes (several tabs, server rendering) agree instead of logging out.
 */
import { base64url, randomSecret } from "../secrets.ts";

export function newRefreshToken(): string {
  return randomSecret();
}

export async function successorOf(successorKey: CryptoKey, token: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", successorKey, new TextEncoder().encode(token));
  return base64url.encode(new Uint8Array(mac));
}

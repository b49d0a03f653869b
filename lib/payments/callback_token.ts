/** Comparing Xendit's x-callback-token without leaking, through timing, how much of it matched. */
import { timingSafeEqual } from "node:crypto";
import { sha256 } from "../secrets.ts";

/** Constant-time equality; hashing first makes the lengths equal, so the length leaks nothing either. */
export async function tokensEqual(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  return timingSafeEqual(a, b);
}

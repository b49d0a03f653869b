/**
 * "Chrome on Linux" from a User-Agent string, for the account page's list of sessions. The parsing is bowser's
 * (a maintained library), not regexes of our own; an empty or unrecognised string gives null.
 */
import Bowser from "bowser";

/** The browser and operating system a User-Agent names, or null when it names neither. */
export function browserName(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const parsed = Bowser.parse(userAgent);
  const browser = parsed.browser.name;
  const os = parsed.os.name;
  if (!browser && !os) return null;
  return browser && os ? `${browser} on ${os}` : (browser ?? os)!;
}

/**
 * The domain of an address as mail is delivered to it, in the ASCII spelling verified domains are stored in: the
 * app's copy of astapa.email_domain (db/api/email_domains.sql), for the checks made before Postgres checks again.
 * WHATWG's domainToASCII is UTS #46, which the SQL is held to (tests/sql/email_domains_test.ts checks both).
 */
import { domainToASCII } from "node:url";

export function emailDomain(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 0) return "";
  const typed = email.slice(at + 1).trim();
  // An invalid IDNA name has no ASCII spelling: as typed, it matches no verified domain.
  return (domainToASCII(typed) || typed.toLowerCase()).replace(/\.$/, "");
}

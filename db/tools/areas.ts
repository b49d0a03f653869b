/**
 * Which db/api file a definition from the history goes to: the area of the migration that first defined it
 * (a later restatement keeps it where it is). The order here is the apply order of db/api.
 */

export type Area = { name: string; title: string; migrations: string[] };

export const AREAS: Area[] = [
  {
    name: "context",
    title: "Request context: the project and mode a transaction acts for.",
    migrations: ["0002"],
  },
  {
    name: "projects",
    title: "Projects: creation, keys, settings, going live and deletion.",
    migrations: ["0003", "0008", "1100", "1101", "1102", "1103"],
  },
  { name: "audit", title: "The audit log.", migrations: ["0004"] },
  {
    name: "console",
    title: "Dashboard accounts, memberships and console sessions.",
    migrations: ["0005", "0011", "0600", "0601", "0602", "0603", "0604", "0605", "2051"],
  },
  { name: "users", title: "Users and identities.", migrations: ["0006", "0009", "1401", "1402", "2151"] },
  { name: "claims", title: "User claims and custom claim rules.", migrations: ["0007", "0010", "0200"] },
  { name: "signing_keys", title: "Signing keys and their rotation.", migrations: ["0012"] },
  { name: "rate_limits", title: "Rate-limit buckets.", migrations: ["0013"] },
  {
    name: "tokens",
    title: "Authorization codes, refresh tokens and the grant sweeper.",
    migrations: ["0014", "0015", "0016", "0902", "1002", "1902", "2050"],
  },
  { name: "plans", title: "Plans and subscriptions.", migrations: ["0201", "0202", "0204", "0205", "0206"] },
  {
    name: "webhooks",
    title: "Events and app webhooks.",
    migrations: ["0203", "0207", "0208", "0209", "1300", "1301", "1302", "2200"],
  },
  {
    name: "resources",
    title: "Protected resources and scopes.",
    migrations: ["0300", "0301", "0303", "2100"],
  },
  {
    name: "clients",
    title: "Machine clients, dynamic clients and client authentication.",
    migrations: ["0302", "0304", "0305", "0901", "1000", "1001", "1903", "2000"],
  },
  {
    name: "payments",
    title: "Xendit keys, checkouts, payments and payment events.",
    migrations: ["0500", "0501", "0502", "0503", "0504", "1901", "2052", "2101", "2102"],
  },
  { name: "billing", title: "Renewals and reconciliation.", migrations: ["0801", "0802", "0803"] },
  {
    name: "login",
    title: "Hosted login: sessions, email tokens, social sign-in.",
    migrations: ["0700", "0702", "0900", "2150"],
  },
  { name: "mail", title: "The mail outbox.", migrations: ["0701", "0800", "1400", "1900"] },
  {
    name: "dashboard",
    title: "Dashboard listings and charts.",
    migrations: ["1200", "1201", "1202", "1203", "1403"],
  },
];

const AREA_OF = new Map(AREAS.flatMap((area) => area.migrations.map((version) => [version, area.name])));

/** The area of migration `version`; a migration not listed here stops the extractor with what to add. */
export function areaOfMigration(version: string, key: string): string {
  const area = AREA_OF.get(version);
  if (!area) {
    throw new Error(
      `Migration ${version} defines ${key}, a new object: add "${version}" to the area it belongs to in ` +
        "db/tools/areas.ts, then run the extractor again.",
    );
  }
  return area;
}

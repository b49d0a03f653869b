import type { AuditEntry } from "@/db/project_logs.ts";
import { compactJson, shortTime } from "@/lib/dashboard/format.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { USER_ACCESS_TEXT } from "@/lib/dashboard/text/user_access.ts";

/**
 * Audit entries as a table: time, actor (a developer's email when known), action, target, and the details as
 * key/value pairs (a nested value as compact JSON).
 */
export function AuditTable(
  { entries, usersBase, lang = "en" }: { entries: AuditEntry[]; usersBase: string; lang?: Lang },
) {
  const text = USER_ACCESS_TEXT[lang];
  return (
    <table class="list audit-list">
      <thead>
        <tr>
          <th scope="col">{text.auditTime}</th>
          <th scope="col">{text.auditActor}</th>
          <th scope="col">{text.auditAction}</th>
          <th scope="col">{text.auditTarget}</th>
          <th scope="col">{text.auditDetails}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id}>
            <td>{shortTime(entry.at, lang)}</td>
            <td>{entry.actor_email ? <span title={entry.actor}>{entry.actor_email}</span> : entry.actor}</td>
            <td>
              <code>{entry.action}</code>
            </td>
            <td>
              <Target target={entry.target} usersBase={usersBase} />
            </td>
            <td>
              {Object.keys(entry.details).length > 0 && (
                <dl class="details">
                  {Object.entries(entry.details).map(([key, value]) => (
                    <div key={key}>
                      <dt>{key}</dt>
                      <dd>{typeof value === "string" ? value : compactJson(value)}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Target({ target, usersBase }: { target: string | null; usersBase: string }) {
  const user = target?.match(/^user:(\d+)$/)?.[1];
  if (user) return <a href={`${usersBase}/${user}`}>{target}</a>;
  return <>{target ?? ""}</>;
}

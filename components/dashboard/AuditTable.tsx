import type { AuditEntry } from "@/db/project_logs.ts";
import { compactJson, shortTime } from "@/lib/dashboard/format.ts";

/**
 * Audit entries as a table: time, actor (a developer's email when known), action, target, and the details as
 * key/value pairs (a nested value as compact JSON).
 */
export function AuditTable({ entries, usersBase }: { entries: AuditEntry[]; usersBase: string }) {
  return (
    <table class="list audit-list">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id}>
            <td>{shortTime(entry.at)}</td>
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

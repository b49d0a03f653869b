import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { createOrganization } from "@/db/organizations.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import {
  NewOrganizationForm,
  type OrganizationsData,
  organizationsView,
} from "@/lib/dashboard/organizations_page.ts";
import { CsrfField, Frame, Notice } from "@/components/dashboard/Frame.tsx";
import { SamlCertificateForm, SamlSsoForm, SamlSsoSummary } from "@/components/dashboard/SamlSsoSection.tsx";
import { SettingSwitch } from "@/components/dashboard/SettingSwitch.tsx";
import { ScimCell } from "@/components/dashboard/ScimSection.tsx";
import { SsoMappingForm, SsoMappingSummary } from "@/components/dashboard/SsoMappingSection.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { dashboardLang, fill } from "@/lib/dashboard/i18n.ts";
import { ORGANIZATIONS_TEXT } from "@/lib/dashboard/text/organizations.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

export const handler: Handlers<OrganizationsData> = {
  GET: async (c) => {
    const load = organizationsView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `${ORGANIZATIONS_TEXT[dashboardLang(c)].title} · ${data.project.name}` });
  },
  /** Admins create an organization through api.create_organization (the same function as the Platform API). */
  POST: (c) =>
    formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/organizations`,
      body: NewOrganizationForm,
      load: organizationsView(c, true),
      run: async (tx, _projectId, _role, form) => {
        await createOrganization(tx, { name: form.name, slug: form.slug });
        return "created";
      },
      title: (data) => `${ORGANIZATIONS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
    }),
};

/**
 * GET /dashboard/projects/:id/organizations: the project's organizations, members and open invitations, each
 * with its team plan, the change scheduled for its next period (as a person's Billing section lists theirs) and
 * its seats.
 */
export default function OrganizationsPage({ data }: PageProps<OrganizationsData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  const lang = data.frame.lang;
  const text = ORGANIZATIONS_TEXT[lang];
  // A plan taken off sale since the change was scheduled is no longer among the choices: its key alone.
  const teamPlanName = (key: string) => {
    const name = data.teamPlans.find((p) => p.key === key)?.name;
    return name ? `${name} ` : "";
  };
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "organizations" }}
    >
      <h1>{text.title}</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">
        <Phrase
          text={text.intro}
          parts={{
            orgId: <code>org_id</code>,
            orgRole: <code>org_role</code>,
            orgPermissions: <code>org_permissions</code>,
            orgPlan: <code>custom_claims.org_plan</code>,
            cli: <code>deno task astapa org</code>,
            callback: <code>/auth/sso/callback</code>,
          }}
        />
      </p>
      <table class="list organizations">
        <thead>
          <tr>
            <th scope="col">{text.columnOrganization}</th>
            <th scope="col">{text.columnMembers}</th>
            <th scope="col">{text.columnInvitations}</th>
            <th scope="col">{text.columnPlan}</th>
            <th scope="col">{text.columnSeats}</th>
            <th scope="col">SSO</th>
            <th scope="col">SCIM</th>
          </tr>
        </thead>
        <tbody>
          {data.organizations.map((org) => (
            <tr key={org.id} data-organization={org.slug}>
              <td>
                {org.name} <code>{org.slug}</code>
                <br />
                <code class="muted">{org.id}</code>
              </td>
              <td>
                <details>
                  <summary>{fill(text.membersCount, { count: org.members })}</summary>
                  <ul>
                    {org.member_list.map((m) => <li key={m.user_id}>{m.email} · {m.role}</li>)}
                  </ul>
                </details>
              </td>
              <td>
                {org.open_invitations.length === 0 ? <span class="muted">{text.none}</span> : (
                  <ul>
                    {org.open_invitations.map((i) => <li key={i.id}>{i.email} · {i.role}</li>)}
                  </ul>
                )}
              </td>
              <td>
                {org.plan === null ? <span class="muted">{text.none}</span> : <code>{org.plan}</code>}
                {admin && (
                  <form method="post" action={`${base}/organizations/plan`} class="inline">
                    <CsrfField token={data.frame.csrf} />
                    <input type="hidden" name="organization" value={org.id} />
                    <label>
                      {text.teamPlan}{" "}
                      <select name="plan">
                        <option value="" selected={org.plan === null}>{text.none}</option>
                        {data.teamPlans.map((p) => (
                          <option key={p.key} value={p.key} selected={org.plan === p.key}>{p.name}</option>
                        ))}
                      </select>
                    </label>{" "}
                    <button type="submit">{text.setPlan}</button>
                  </form>
                )}
                {org.plan_paid_through && (
                  <>
                    <br />
                    <span class="muted">
                      {fill(org.plan_canceled_at ? text.canceledEnds : text.paidThrough, {
                        date: org.plan_paid_through.slice(0, 10),
                      })}
                    </span>
                  </>
                )}
                {org.open_change && (
                  <>
                    <br />
                    <span class="muted" data-plan-change={org.open_change.to_plan}>
                      <Phrase
                        text={text.scheduled}
                        parts={{
                          date: org.open_change.effective_at?.slice(0, 10),
                          name: teamPlanName(org.open_change.to_plan),
                          plan: <code>{org.open_change.to_plan}</code>,
                          seats: org.open_change.seats,
                        }}
                      />
                    </span>
                  </>
                )}
              </td>
              <td>
                {org.seat_limit === null
                  ? <span class="muted">{text.noLimit}</span>
                  : fill(text.seatsTaken, { members: org.members, limit: org.seat_limit })}
              </td>
              <td data-sso={org.sso ? (org.sso.enabled ? "enabled" : "disabled") : "none"}>
                {org.sso?.protocol === "saml" ? <SamlSsoSummary sso={org.sso} lang={lang} /> : org.sso
                  ? (
                    <>
                      <code>{org.sso.issuer}</code> · {org.sso.enabled ? text.enabled : text.disabled}
                      <br />
                      <span class="muted">{org.sso.domains.join(", ") || text.noVerifiedDomain}</span>
                      <br />
                      <Phrase
                        text={text.backchannelLogoutUrl}
                        parts={{ url: <code>{org.sso.backchannel_logout_url}</code> }}
                      />
                      <br />
                      <Phrase
                        text={text.postLogoutRedirectUri}
                        parts={{ url: <code>{org.sso.post_logout_redirect_uri}</code> }}
                      />
                    </>
                  )
                  : <span class="muted">{text.none}</span>}
                {org.sso && (
                  <SsoMappingSummary
                    mapping={org.sso.attribute_mapping}
                    roles={org.sso.group_roles}
                    lang={lang}
                  />
                )}
                {admin && org.sso && (
                  <SsoMappingForm
                    action={`${base}/organizations/sso`}
                    csrf={data.frame.csrf}
                    organization={org.id}
                    mapping={org.sso.attribute_mapping}
                    roles={org.sso.group_roles}
                    roleChoices={data.groupRoles}
                    lang={lang}
                  />
                )}
                {admin && (
                  <details>
                    <summary>{org.sso ? text.changeSso : text.setUpSso}</summary>
                    <form method="post" action={`${base}/organizations/sso`} class="stack">
                      <CsrfField token={data.frame.csrf} />
                      <input type="hidden" name="organization" value={org.id} />
                      <label>
                        {text.issuer}{" "}
                        <input
                          name="issuer"
                          type="url"
                          required
                          maxLength={500}
                          value={org.sso?.issuer ?? ""}
                        />
                      </label>
                      <label>
                        {text.idpClientId}{" "}
                        <input
                          name="idp_client_id"
                          required
                          maxLength={500}
                          value={org.sso?.idp_client_id ?? ""}
                        />
                      </label>
                      <label>
                        {text.clientSecret}{" "}
                        <input
                          name="idp_client_secret"
                          type="password"
                          autocomplete="off"
                          maxLength={1000}
                          placeholder={org.sso ? text.keptWhenEmpty : ""}
                        />
                      </label>
                      <SettingSwitch
                        name="enabled"
                        label={text.enabledSwitch}
                        checked={org.sso?.enabled ?? true}
                      />
                      <button type="submit" name="action" value="save">{text.saveSso}</button>
                      {org.sso && (
                        <button type="submit" name="action" value="remove">{text.removeSso}</button>
                      )}
                    </form>
                  </details>
                )}
                {admin && (
                  <SamlSsoForm
                    action={`${base}/organizations/sso`}
                    csrf={data.frame.csrf}
                    organization={org.id}
                    enabled={org.sso?.enabled ?? true}
                    encrypted={org.sso?.want_assertions_encrypted ?? false}
                    signed={org.sso?.sign_authn_requests ?? false}
                    idpInitiated={org.sso?.idp_initiated ?? false}
                    lang={lang}
                  />
                )}
                {admin && org.sso?.protocol === "saml" && (
                  <SamlCertificateForm
                    action={`${base}/organizations/sso`}
                    csrf={data.frame.csrf}
                    organization={org.id}
                    rotating={(org.sso.sp_certificates ?? []).some((key) => key.state === "previous")}
                    lang={lang}
                  />
                )}
              </td>
              <td data-scim={org.scim ? (org.scim.token_active ? "on" : "revoked") : "off"}>
                <ScimCell
                  scim={org.scim}
                  fresh={data.scimToken?.organization === org.id ? data.scimToken : null}
                  admin={admin}
                  action={`${base}/organizations/scim`}
                  csrf={data.frame.csrf}
                  organization={org.id}
                  roles={data.groupRoles}
                  lang={lang}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.organizations.length === 0 && <p class="muted">{text.noOrganizations}</p>}
      {admin && (
        <form method="post" action={`${base}/organizations`} class="stack">
          <h2>{text.newOrganization}</h2>
          <CsrfField token={data.frame.csrf} />
          <label>
            {text.name} <input name="name" required maxLength={200} value={data.draft?.name ?? ""} />
          </label>
          <label>
            {text.slug}{" "}
            <input name="slug" required maxLength={64} pattern="[a-z0-9-]+" value={data.draft?.slug ?? ""} />
          </label>
          <button type="submit">{text.createOrganization}</button>
        </form>
      )}
    </Frame>
  );
}

import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
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
import { ScimCell } from "@/components/dashboard/ScimSection.tsx";
import { SsoMappingForm, SsoMappingSummary } from "@/components/dashboard/SsoMappingSection.tsx";

export const handler: Handlers<OrganizationsData> = {
  GET: async (c) => {
    const load = organizationsView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `Organizations · ${data.project.name}` });
  },
  /** Admins create an organization through api.create_organization (the same function as the Platform API). */
  POST: async (c) => {
    const form = await readBody(c, NewOrganizationForm, ["form"]);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/organizations`,
      load: organizationsView(c, form),
      run: async (tx) => {
        await createOrganization(tx, { name: form.name, slug: form.slug });
        return "created";
      },
      title: (data) => `Organizations · ${data.project.name}`,
    });
  },
};

/**
 * GET /dashboard/projects/:id/organizations: the project's organizations, members and open invitations, each
 * with its team plan, the change scheduled for its next period (as a person's Billing section lists theirs) and
 * its seats.
 */
export default function OrganizationsPage({ data }: PageProps<OrganizationsData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  // A plan taken off sale since the change was scheduled is no longer among the choices: its key alone.
  const teamPlanName = (key: string) => {
    const name = data.teamPlans.find((p) => p.key === key)?.name;
    return name ? `${name} ` : "";
  };
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "organizations" }}
    >
      <h1>Organizations</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">
        Teams of your app's users. Members choose the active organization when they sign in; tokens then carry
        {" "}
        <code>org_id</code>, <code>org_role</code> and{" "}
        <code>org_permissions</code>, and an organization's team plan{" "}
        <code>custom_claims.org_plan</code>. Manage members, roles, invitations and domains with the Platform
        API or{" "}
        <code>deno task astapa org</code>. An organization's SSO connection signs the people at its verified
        domains in through its own identity provider: OpenID Connect (redirect URI{" "}
        <code>/auth/sso/callback</code>) or SAML 2.0 (give the IdP the entity ID and ACS URL shown once it is
        saved). Its SCIM directory lets its IdP create and deprovision its people (docs/scim.md).
      </p>
      <table class="list organizations">
        <thead>
          <tr>
            <th scope="col">Organization</th>
            <th scope="col">Members</th>
            <th scope="col">Open invitations</th>
            <th scope="col">Plan</th>
            <th scope="col">Seats</th>
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
                  <summary>{org.members} members</summary>
                  <ul>
                    {org.member_list.map((m) => <li key={m.user_id}>{m.email} · {m.role}</li>)}
                  </ul>
                </details>
              </td>
              <td>
                {org.open_invitations.length === 0 ? <span class="muted">none</span> : (
                  <ul>
                    {org.open_invitations.map((i) => <li key={i.id}>{i.email} · {i.role}</li>)}
                  </ul>
                )}
              </td>
              <td>
                {org.plan === null ? <span class="muted">none</span> : <code>{org.plan}</code>}
                {admin && (
                  <form method="post" action={`${base}/organizations/plan`} class="inline">
                    <CsrfField token={data.frame.csrf} />
                    <input type="hidden" name="organization" value={org.id} />
                    <label>
                      Team plan{" "}
                      <select name="plan">
                        <option value="" selected={org.plan === null}>none</option>
                        {data.teamPlans.map((p) => (
                          <option key={p.key} value={p.key} selected={org.plan === p.key}>{p.name}</option>
                        ))}
                      </select>
                    </label>{" "}
                    <button type="submit">Set</button>
                  </form>
                )}
                {org.plan_paid_through && (
                  <>
                    <br />
                    <span class="muted">
                      {org.plan_canceled_at ? "canceled, ends" : "paid through"}{" "}
                      {org.plan_paid_through.slice(0, 10)}
                    </span>
                  </>
                )}
                {org.open_change && (
                  <>
                    <br />
                    <span class="muted" data-plan-change={org.open_change.to_plan}>
                      scheduled: from {org.open_change.effective_at?.slice(0, 10)},{" "}
                      {teamPlanName(org.open_change.to_plan)}
                      <code>{org.open_change.to_plan}</code> with {org.open_change.seats} seats
                    </span>
                  </>
                )}
              </td>
              <td>
                {org.seat_limit === null
                  ? <span class="muted">no limit</span>
                  : `${org.members} of ${org.seat_limit} taken`}
              </td>
              <td data-sso={org.sso ? (org.sso.enabled ? "enabled" : "disabled") : "none"}>
                {org.sso?.protocol === "saml" ? <SamlSsoSummary sso={org.sso} /> : org.sso
                  ? (
                    <>
                      <code>{org.sso.issuer}</code> · {org.sso.enabled ? "enabled" : "disabled"}
                      <br />
                      <span class="muted">{org.sso.domains.join(", ") || "no verified domain yet"}</span>
                      <br />
                      Back-channel logout URL (give the IdP): <code>{org.sso.backchannel_logout_url}</code>
                      <br />
                      Post-logout redirect URI (give the IdP): <code>{org.sso.post_logout_redirect_uri}</code>
                    </>
                  )
                  : <span class="muted">none</span>}
                {org.sso && (
                  <SsoMappingSummary mapping={org.sso.attribute_mapping} roles={org.sso.group_roles} />
                )}
                {admin && org.sso && (
                  <SsoMappingForm
                    action={`${base}/organizations/sso`}
                    csrf={data.frame.csrf}
                    organization={org.id}
                    mapping={org.sso.attribute_mapping}
                    roles={org.sso.group_roles}
                    roleChoices={data.groupRoles}
                  />
                )}
                {admin && (
                  <details>
                    <summary>{org.sso ? "Change" : "Set up"} SSO</summary>
                    <form method="post" action={`${base}/organizations/sso`} class="stack">
                      <CsrfField token={data.frame.csrf} />
                      <input type="hidden" name="organization" value={org.id} />
                      <label>
                        Issuer (https){" "}
                        <input
                          name="issuer"
                          type="url"
                          required
                          maxLength={500}
                          value={org.sso?.issuer ?? ""}
                        />
                      </label>
                      <label>
                        Client ID at the IdP{" "}
                        <input
                          name="idp_client_id"
                          required
                          maxLength={500}
                          value={org.sso?.idp_client_id ?? ""}
                        />
                      </label>
                      <label>
                        Client secret{" "}
                        <input
                          name="idp_client_secret"
                          type="password"
                          autocomplete="off"
                          maxLength={1000}
                          placeholder={org.sso ? "kept when left empty" : ""}
                        />
                      </label>
                      <label>
                        <input type="checkbox" name="enabled" checked={org.sso?.enabled ?? true} /> Enabled
                      </label>
                      <button type="submit" name="action" value="save">Save SSO connection</button>
                      {org.sso && <button type="submit" name="action" value="remove">Remove</button>}
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
                  />
                )}
                {admin && org.sso?.protocol === "saml" && (
                  <SamlCertificateForm
                    action={`${base}/organizations/sso`}
                    csrf={data.frame.csrf}
                    organization={org.id}
                    rotating={(org.sso.sp_certificates ?? []).some((key) => key.state === "previous")}
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
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.organizations.length === 0 && <p class="muted">No organizations yet.</p>}
      {admin && (
        <form method="post" action={`${base}/organizations`} class="stack">
          <h2>New organization</h2>
          <CsrfField token={data.frame.csrf} />
          <label>
            Name <input name="name" required maxLength={200} value={data.draft?.name ?? ""} />
          </label>
          <label>
            Slug{" "}
            <input name="slug" required maxLength={64} pattern="[a-z0-9-]+" value={data.draft?.slug ?? ""} />
          </label>
          <button type="submit">Create organization</button>
        </form>
      )}
    </Frame>
  );
}

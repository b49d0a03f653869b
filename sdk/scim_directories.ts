/**
 * The SDK's SCIM directory helpers (`astapa.scimDirectories`, docs/scim.md): turn an organization's directory on or
 * rotate its token (shown once: give it and `base_url` to the IdP), read it without the token, revoke the token;
 * list the groups its IdP pushed and map them to organization roles.
 */
type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;
type Call = (path: string, init: RequestInit) => Promise<Response>;

export type ScimDirectory = {
  /** `scim_…`: the directory the base URL names. */
  id: string;
  organization_id: string;
  /** `${ASTAPA_BASE_URL}/scim/v2/{id}`: the IdP's SCIM connector base URL / tenant URL. */
  base_url: string;
  /** false once revoked: the directory answers nobody until it is turned on again. */
  token_active: boolean;
  token_created_at: string | null;
  created_at: string;
  /** User resources held, and how many of them are active. */
  users: number;
  active_users: number;
};

/** A group the organization's IdP pushed over SCIM, with the role it maps to. */
export type ScimGroup = {
  /** The SCIM Group id (what the IdP sees). */
  id: string;
  directory_id: string;
  display_name: string;
  external_id: string | null;
  /** The organization role its members get (highest wins); null: unmapped. */
  role: string | null;
  members: number;
  created_at: string;
  updated_at: string;
};

/** The answer to turning on or rotating: the token, this once. */
export type ScimDirectoryWithToken = ScimDirectory & { token: string };

export function scimDirectories(json: Json, call: Call) {
  const path = (org: string) => `/api/platform/organizations/${encodeURIComponent(org)}/scim`;
  return {
    /** The organization's (id or slug) directory; 404 when it has none. */
    get: (org: string) => json<ScimDirectory>(path(org)),
    /** Turns the directory on, or gives it a new token: the old one stops working at once. */
    enable: (org: string) => json<ScimDirectoryWithToken>(path(org), "POST"),
    /** The groups the organization's IdP pushed, each with its mapped role. */
    groups: async (org: string): Promise<ScimGroup[]> =>
      (await json<{ data: ScimGroup[] }>(`${path(org)}/groups`)).data,
    /**
     * Maps a group to an organization role (null: unmapped; never owner):
     * its members get the highest role their mapped groups give.
     */
    mapGroup: (org: string, group: string, role: string | null) =>
      json<ScimGroup>(
        `${path(org)}/groups/${encodeURIComponent(group)}`,
        "PUT",
        { role },
      ),
    /** Revokes the token; the people it provisioned stay as they are. */
    async revoke(org: string): Promise<void> {
      await call(path(org), { method: "DELETE" }); // 204, no body
    },
  };
}

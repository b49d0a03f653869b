/** The hidden fields every account-page form carries: the account (client_id, return_to), CSRF token, action. */
export function AccountHidden({ query, csrf, action }: { query: string; csrf: string; action: string }) {
  return (
    <>
      <input type="hidden" name="request" value={query} />
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="action" value={action} />
    </>
  );
}

// Which requests may carry a secret (a password, an ACL rule with one, a sensitive config value),
// by their command name: the commands whose arguments the audit log (security/audit.ts
// redactArgs) and the slow log and MONITOR (server/server.ts redactSecrets) hide in some form.
// The request parser never keeps such a request's arguments for reuse (protocol/parser.ts). A test
// holds the redactors to this list (test/audit.test.ts).
export const SECRET_BEARING: ReadonlySet<string> = new Set(['auth', 'hello', 'acl', 'config', 'migrate']);

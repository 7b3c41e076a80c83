// AUTH (and later the ACL command family).
import type { HandlerMap } from './types.js';

export const aclCommands: HandlerMap = {
  // AUTH [username] password
  auth(c, argv, server) {
    if (argv.length > 3) {
      c.out.error('ERR syntax error');
      return;
    }
    const user = argv.length === 3 ? argv[1]! : 'default';
    const pass = argv[argv.length - 1]!;
    if (argv.length === 2 && server.users.defaultUser.nopass) {
      c.out.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
      return;
    }
    if (server.authenticate(c, user, pass)) c.out.ok();
    else c.out.error('WRONGPASS invalid username-password pair or user is disabled.');
  },
};

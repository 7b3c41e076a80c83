#!/usr/bin/env node
// redoubt [config-file] [--directive value ...]: starts the server as redis-server does.
import { loadConfig, ConfigFileError } from './config/loader.js';
import { Server, REDOUBT_VERSION, REDIS_VERSION } from './server/server.js';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    console.log(`Redoubt server v=${REDOUBT_VERSION} (Redis ${REDIS_VERSION} compatible) node=${process.version}`);
    return 0;
  }
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(`Usage: redoubt [/path/to/redis.conf] [options]
       redoubt --test-config /path/to/redis.conf [options]
       redoubt --version
Examples:
       redoubt                      (127.0.0.1:6379, safe defaults)
       redoubt /etc/redis/redis.conf
       redoubt --port 7777 --loglevel verbose`);
    return 0;
  }
  const testOnly = argv[0] === '--test-config';
  let loaded;
  try {
    loaded = loadConfig(testOnly ? argv.slice(1) : argv);
  } catch (e) {
    if (e instanceof ConfigFileError) {
      process.stderr.write(`\n*** FATAL CONFIG FILE ERROR (Redoubt ${REDOUBT_VERSION}) ***\n${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (testOnly) {
    console.log('Configuration OK');
    return 0;
  }
  const { config } = loaded;
  if (config.bool('daemonize')) {
    process.stderr.write('daemonize yes is not supported: run Redoubt under a supervisor (systemd, a container) instead.\n');
    return 1;
  }
  const server = new Server(config, { configFile: loaded.file });
  server.log.file = config.str('logfile');
  for (const [from, to] of loaded.renames) {
    if (!server.table.rename(from, to)) {
      process.stderr.write(`\n*** FATAL CONFIG FILE ERROR ***\nNo such command in rename-command: ${from}\n`);
      return 1;
    }
  }
  server.log.notice(`oO0OoO0OoO0Oo Redoubt is starting oO0OoO0OoO0Oo`);
  server.log.notice(`Redoubt version=${REDOUBT_VERSION}, redis_version=${REDIS_VERSION}, PID: ${process.pid}, just started`);
  if (loaded.file === null) server.log.warning('No config file specified, using the default config. In order to specify a config file use redoubt /path/to/redis.conf');
  if (loaded.noEffect.length > 0) server.log.notice(`Accepted without effect in Redoubt: ${loaded.noEffect.join(', ')}`);
  server.log.notice('Server initialized');
  try {
    await server.listen();
  } catch (e) {
    server.log.warning((e as Error).message);
    return 1;
  }
  server.log.notice(`Ready to accept connections tcp`);
  const stop = (sig: string) => {
    server.log.warning(`Received ${sig} scheduling shutdown...`);
    void server.shutdown().then(() => process.exit(0));
  };
  // SHUTDOWN: the server has closed everything; exit.
  server.onShutdown = () => process.exit(0);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`Fatal: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);

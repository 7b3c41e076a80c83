#!/usr/bin/env -S node --max-old-space-size=65536 --max-semi-space-size=4
// redoubt [config-file] [--directive value ...]: starts the server as redis-server does.
import { closeSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { loadConfig, ConfigFileError, type LoadedConfig } from './config/loader.js';
import type { Server } from './server/server.js';
import { createServer, openServer, StartError } from './start.js';
import { REDOUBT_VERSION, REDIS_VERSION } from './version.js';
import { certsCommand } from './tls/certs.js';
import { loadTlsMaterial, TlsConfigError } from './tls/context.js';
import { doctorCommand } from './doctor/index.js';

const USAGE = `Usage: redoubt [/path/to/redis.conf] [options] [-]
       redoubt - (read config from stdin)
       redoubt -v or --version
       redoubt -h or --help
       redoubt --test-config /path/to/redis.conf [options]
       redoubt certs <dir> [--host NAME-OR-IP ...] [--client NAME ...]
       redoubt doctor [redis://HOST:PORT | rediss://HOST:PORT | --config FILE] [--json] (redoubt doctor --help)

Examples:
       redoubt                      (127.0.0.1:6379 and ::1, safe defaults)
       redoubt /etc/redis/redis.conf
       redoubt --port 7777
       redoubt /etc/myredis.conf --loglevel verbose --save 60 1000
       echo 'maxmemory 128mb' | redoubt -
       redoubt --port 7777 --save ""
`;

function fatalConfig(e: ConfigFileError): void {
  process.stderr.write(`\n*** FATAL CONFIG FILE ERROR (Redoubt ${REDOUBT_VERSION}) ***\n${e.report()}\n`);
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`Redoubt server v=${REDOUBT_VERSION} redis_version=${REDIS_VERSION} node=${process.version}\n`);
    return 0;
  }
  // As redis-server: the usage goes to standard error and the status is 1.
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stderr.write(USAGE);
    return 1;
  }
  if (argv[0] === 'certs') {
    return certsCommand(argv.slice(1), (t) => process.stdout.write(t), (t) => process.stderr.write(t));
  }
  if (argv[0] === 'doctor') {
    return doctorCommand(argv.slice(1), (t) => process.stdout.write(t), (t) => process.stderr.write(t));
  }
  const testOnly = argv[0] === '--test-config';
  if (testOnly && argv.length < 2) {
    process.stderr.write('--test-config needs a config file: redoubt --test-config /path/to/redis.conf\n');
    return 1;
  }
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(testOnly ? argv.slice(1) : argv);
  } catch (e) {
    if (e instanceof ConfigFileError) {
      fatalConfig(e);
      return 1;
    }
    throw e;
  }
  const { config } = loaded;
  let server: Server;
  try {
    server = createServer(loaded);
  } catch (e) {
    if (e instanceof ConfigFileError) {
      fatalConfig(e);
      return 1;
    }
    throw e;
  }
  if (testOnly) {
    // The TLS files are checked too (relative paths from `dir`, as the server reads them).
    if (config.num('tls-port') !== 0) {
      try {
        process.chdir(config.str('dir'));
        loadTlsMaterial(config);
      } catch (e) {
        process.stderr.write(`\n*** FATAL CONFIG FILE ERROR (Redoubt ${REDOUBT_VERSION}) ***\n${e instanceof TlsConfigError ? e.message : (e as Error).message}\n`);
        return 1;
      }
    }
    process.stdout.write(loaded.file === null ? 'Configuration is OK\n' : `Configuration ${loaded.file} is OK\n`);
    return 0;
  }
  if (config.bool('daemonize')) {
    process.stderr.write(
      '\n*** FATAL CONFIG FILE ERROR ***\n"daemonize yes" is not supported: Redoubt stays in the foreground. ' +
        'Run it under a supervisor (systemd Type=simple, a container, ...) and start it with --daemonize no.\n',
    );
    return 1;
  }
  // The log file is created (or appended to) before the first line, as Redis does.
  const logfile = config.str('logfile');
  if (logfile !== '') {
    try {
      closeSync(openSync(logfile, 'a'));
    } catch (e) {
      process.stderr.write(`Can't open the log file: ${(e as Error).message}\n`);
      return 1;
    }
  }
  server.log.file = logfile;
  const log = server.log;
  log.notice('oO0OoO0OoO0Oo Redoubt is starting oO0OoO0OoO0Oo');
  log.notice(`Redoubt version=${REDOUBT_VERSION}, redis_version=${REDIS_VERSION}, bits=64, node=${process.version}, PID: ${process.pid}, just started`);
  if (loaded.file === null) {
    log.warning('Warning: no config file specified, using the default config. In order to specify a config file use redoubt /path/to/redis.conf');
  } else {
    log.notice('Configuration loaded');
  }
  warnHeapLimit(server);
  // Redis works in `dir` (RDB, AOF and relative paths are resolved there).
  try {
    process.chdir(config.str('dir'));
  } catch (e) {
    log.warning(`Can't chdir to '${config.str('dir')}': ${(e as Error).message}`);
    return 1;
  }
  try {
    await openServer(server, loaded);
  } catch (e) {
    if (e instanceof StartError) return 1;
    throw e;
  }
  const pidfile = config.str('pidfile');
  if (pidfile !== '') {
    try {
      writeFileSync(pidfile, `${process.pid}\n`);
    } catch (e) {
      log.warning(`Failed to write PID file: ${(e as Error).message}`);
    }
  }
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.warning(`Received ${sig} scheduling shutdown...`);
    // A failed final save is reported and the server keeps running, as Redis does.
    if (server.prepareShutdown() !== null) {
      stopping = false;
      log.warning(`${sig} received but errors trying to shut down the server, check the logs for more information`);
      return;
    }
    void server.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // SHUTDOWN: the server has closed everything; exit.
  server.onShutdown = () => process.exit(0);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // "Ready" only once the signal handlers are in: a supervisor that signals as soon as it reads
  // the line must not meet the default action (immediate death, no shutdown).
  log.notice(config.num('tls-port') !== 0 ? (config.num('port') !== 0 ? 'Ready to accept connections tcp and tls' : 'Ready to accept connections tls') : 'Ready to accept connections tcp');
  // A bug that escapes every handler ends the process, as an assertion ends Redis; the report goes
  // to the log (not only to stderr, which a service manager may drop) before it exits.
  process.on('uncaughtException', (e) => {
    const report = `=== REDOUBT BUG REPORT START ===\n${e.stack ?? String(e)}\n=== REDOUBT BUG REPORT END ===`;
    log.warning(report);
    if (log.file !== '') process.stderr.write(report + '\n');
    process.exit(1);
  });
  process.on('exit', () => {
    // Server.shutdown removes the pid file; this covers exits that skip it.
    if (pidfile !== '' && !server.shuttingDown) {
      try {
        unlinkSync(pidfile);
      } catch {
        // already gone
      }
    }
  });
  return -1;
}

/**
 * The dataset lives in V8's heap, whose limit Node sets at start (about 4 GB by default, whatever
 * the machine has); past it the process dies. `npm start` and the `redoubt` command raise it
 * (--max-old-space-size); started otherwise, a limit below the machine's memory (or below
 * maxmemory) is worth a warning, as Redis warns about overcommit_memory.
 */
function warnHeapLimit(server: Server): void {
  const limitMb = Math.floor(getHeapStatistics().heap_size_limit / (1 << 20));
  const totalMb = Math.floor(totalmem() / (1 << 20));
  const maxmemoryMb = Math.floor(server.config.num('maxmemory') / (1 << 20));
  if (limitMb >= totalMb * 0.9 && limitMb > maxmemoryMb) return;
  server.log.warning(
    `WARNING Node's heap limit is ${limitMb} MB (this machine has ${totalMb} MB${maxmemoryMb > 0 ? `, maxmemory is ${maxmemoryMb} MB` : ''}): ` +
      'a dataset larger than that ends the process. Start Redoubt with `node --max-old-space-size=<MB>` (npm start and the redoubt command set 65536).',
  );
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

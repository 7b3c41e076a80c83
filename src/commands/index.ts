// Every command group. The command table joins these handlers with the metadata in meta.ts;
// main.ts builds it here and injects it into the server, which imports no command module.
import type { HandlerMap } from './types.js';
import { CommandTable } from './table.js';
import { aclCommands } from './acl.js';
import { bitmapCommands } from './bitmap.js';
import { configCommands } from './config.js';
import { connectionCommands } from './connection.js';
import { debugCommands } from './debug.js';
import { functionsCommands } from './functions.js';
import { geoCommands } from './geo.js';
import { hashCommands } from './hash.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { keysCommands } from './keys.js';
import { listCommands } from './list.js';
import { pubsubCommands } from './pubsub.js';
import { replicationCommands } from './replication.js';
import { serverCommands } from './server.js';
import { scriptingCommands } from './scripting.js';
import { setCommands } from './set.js';
import { sortCommands } from './sort.js';
import { streamCommands } from './stream.js';
import { stringCommands } from './string.js';
import { transactionsCommands } from './transactions.js';
import { zsetCommands } from './zset.js';

export const ALL_GROUPS: HandlerMap[] = [
  aclCommands,
  bitmapCommands,
  configCommands,
  connectionCommands,
  debugCommands,
  functionsCommands,
  geoCommands,
  hashCommands,
  hyperloglogCommands,
  keysCommands,
  listCommands,
  pubsubCommands,
  replicationCommands,
  serverCommands,
  scriptingCommands,
  setCommands,
  sortCommands,
  streamCommands,
  stringCommands,
  transactionsCommands,
  zsetCommands,
];

/** A fresh command table of every group (main.ts builds one and gives it to the server). */
export function buildCommandTable(): CommandTable {
  return new CommandTable(ALL_GROUPS);
}

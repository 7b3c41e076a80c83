// Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB *.
// The subscription registry and delivery live in server/pubsub.ts; the dispatcher enforces the
// RESP2 pub/sub context (only (un)subscribing, PING, QUIT and RESET while subscribed).
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { CHANNEL, PATTERN, SHARD, type SubKind } from '../server/pubsub.js';
import { globMatch } from '../store/glob.js';
import { inTransaction } from './transactions.js';
import type { PubSubContext, HandlerMap } from './types.js';

function subscribeGeneric(c: Client, argv: string[], server: PubSubContext, kind: SubKind): void {
  for (let j = 1; j < argv.length; j++) server.pubsub.subscribe(c, kind, argv[j]!);
}

function unsubscribeGeneric(c: Client, argv: string[], server: PubSubContext, kind: SubKind): void {
  if (argv.length === 1) server.pubsub.unsubscribeAll(c, kind, true);
  else for (let j = 1; j < argv.length; j++) server.pubsub.unsubscribe(c, kind, argv[j]!, true);
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]: active channels, optionally matching a pattern. */
function listChannels(c: Client, argv: string[], map: Map<string, Set<Client>>): void {
  if (argv.length > 3) {
    c.out.error(err.subcommandSyntax(argv[1]!, 'pubsub'));
    return;
  }
  const pat = argv.length === 3 ? argv[2]! : null;
  const names: string[] = [];
  for (const name of map.keys()) if (pat === null || globMatch(pat, name)) names.push(name);
  c.out.bulks(names);
}

/** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array of channel, count pairs (both RESPs). */
function numsub(c: Client, argv: string[], map: Map<string, Set<Client>>): void {
  c.out.array((argv.length - 2) * 2);
  for (let j = 2; j < argv.length; j++) {
    c.out.bulk(argv[j]!);
    c.out.int(map.get(argv[j]!)?.size ?? 0);
  }
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

export const pubsubCommands: HandlerMap<PubSubContext> = {
  // SUBSCRIBE channel [channel ...]
  subscribe(c, argv, server) {
    subscribeGeneric(c, argv, server, CHANNEL);
  },

  // UNSUBSCRIBE [channel ...]
  unsubscribe(c, argv, server) {
    unsubscribeGeneric(c, argv, server, CHANNEL);
  },

  // PSUBSCRIBE pattern [pattern ...]
  psubscribe(c, argv, server) {
    subscribeGeneric(c, argv, server, PATTERN);
  },

  // PUNSUBSCRIBE [pattern ...]
  punsubscribe(c, argv, server) {
    unsubscribeGeneric(c, argv, server, PATTERN);
  },

  // SSUBSCRIBE shardchannel [shardchannel ...] (one shard: Redoubt has no cluster mode).
  // Refused inside EXEC, as Redis does (unlike SUBSCRIBE, kept there for backward compatibility).
  ssubscribe(c, argv, server) {
    if (inTransaction(c)) {
      c.out.error(err.ssubscribeDenyBlocking());
      return;
    }
    subscribeGeneric(c, argv, server, SHARD);
  },

  // SUNSUBSCRIBE [shardchannel ...]
  sunsubscribe(c, argv, server) {
    unsubscribeGeneric(c, argv, server, SHARD);
  },

  // PUBLISH channel message: the number of clients that received it (pattern matches included).
  publish(c, argv, server) {
    c.out.int(server.pubsub.publish(argv[1]!, argv[2]!));
  },

  // SPUBLISH shardchannel message
  spublish(c, argv, server) {
    c.out.int(server.pubsub.spublish(argv[1]!, argv[2]!));
  },

  // PUBSUB CHANNELS [pattern]
  'pubsub|channels'(c, argv, server) {
    listChannels(c, argv, server.pubsub.channels);
  },

  // PUBSUB SHARDCHANNELS [pattern]
  'pubsub|shardchannels'(c, argv, server) {
    listChannels(c, argv, server.pubsub.shardChannels);
  },

  // PUBSUB NUMSUB [channel ...]
  'pubsub|numsub'(c, argv, server) {
    numsub(c, argv, server.pubsub.channels);
  },

  // PUBSUB SHARDNUMSUB [shardchannel ...]
  'pubsub|shardnumsub'(c, argv, server) {
    numsub(c, argv, server.pubsub.shardChannels);
  },

  // PUBSUB NUMPAT: distinct patterns subscribed by anyone.
  'pubsub|numpat'(c, _argv, server) {
    c.out.int(server.pubsub.patterns.size);
  },

  // PUBSUB HELP
  'pubsub|help'(c) {
    c.out.simples(PUBSUB_HELP);
  },
};

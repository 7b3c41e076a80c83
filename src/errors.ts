// Every wire error text, matching redis-server 7.0.15 exactly.

export const err = {
  syntax: () => 'ERR syntax error',
  wrongType: () => 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: () => 'ERR value is not an integer or out of range',
  notFloat: () => 'ERR value is not a valid float',
  overflow: () => 'ERR increment or decrement would overflow',
  noSuchKey: () => 'ERR no such key',
  outOfRange: () => 'ERR index out of range',
  invalidDbIndex: () => 'ERR DB index is out of range',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  unknownCommand: (name: string, args: string[]) => {
    let shown = '';
    for (const a of args) {
      if (shown.length >= 128) break;
      shown += `'${a.slice(0, 128 - shown.length)}' `;
    }
    return `ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${shown}`;
  },
  unknownSubcommand: (sub: string, cmd: string) => `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`,
  wrongArity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  internal: () => 'ERR internal error',
  notImplemented: (what: string) => `ERR ${what} is not implemented by Redoubt`,
  multiNested: () => 'ERR MULTI calls can not be nested',
  sameObject: () => 'ERR source and destination objects are the same',
  /** Redoubt's own limit (SECURITY.md "limits"); Redis has none. */
  /** Redis's reply for a known subcommand given the wrong arguments ("... for 'PAUSE'. Try CLIENT HELP."). */
  subcommandSyntax: (sub: string, cmd: string) => `ERR unknown subcommand or wrong number of arguments for '${sub.slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`,
  timeoutNotInteger: () => 'ERR timeout is not an integer or out of range',
  timeoutNegative: () => 'ERR timeout is negative',
  /** Blocking commands' timeout (seconds, a long double). */
  timeoutNotFloat: () => 'ERR timeout is not a float or out of range',
  mustBePositive: () => 'ERR value is out of range, must be positive',
  numkeysPositive: () => 'ERR numkeys should be greater than 0',
  countPositive: () => 'ERR count should be greater than 0',
  /** CLIENT UNBLOCK <id> ERROR, as the unblocked client's reply. */
  unblocked: () => 'UNBLOCKED client unblocked via CLIENT UNBLOCK',
  /** EVALSHA / EVALSHA_RO of a digest no script has: with no scripting engine, every digest. */
  noScript: () => 'NOSCRIPT No matching script. Please use EVAL.',
  scriptCompile: (msg: string) => `ERR Error compiling script (new function): ${msg}`,
  shebangEngine: (engine: string) => `ERR Unexpected engine in script shebang: ${engine}`,
  shebangOption: (opt: string) => `ERR Unknown lua shebang option: ${opt}`,
  shebangFlag: (flag: string) => `ERR Unexpected flag in script shebang: ${flag}`,
  scriptReplyArguments: () => 'ERR wrong number or type of arguments',
  luaStackLimit: () => 'ERR reached lua stack limit',
  resp2NotSupported: () => 'ERR RESP2 is not supported by this command',
  debugProtocolType: () => 'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
  scriptMaxMemory: (limit: number) => `ERR Script used more than script-max-memory (${limit} bytes) and was stopped`,
  scriptFlushOption: () => 'ERR SCRIPT FLUSH only support SYNC|ASYNC option',
  notBusy: () => 'NOTBUSY No scripts in execution right now.',
  unkillable: () =>
    'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
  busyScript: () => 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
  scriptKilled: () => 'ERR Script killed by user with SCRIPT KILL...',
  scriptUnknownCommand: () => 'ERR Unknown Redis command called from script',
  scriptWrongArity: () => 'ERR Wrong number of args calling Redis command from script',
  scriptForbidden: () => 'ERR This Redis command is not allowed from script',
  scriptNoPerm: (denial: 'command' | 'key' | 'channel') =>
    denial === 'command'
      ? "ERR The user executing the script can't run this command or subcommand"
      : denial === 'key'
        ? "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
        : "ERR The user executing the script can't publish to the channel mentioned in the command",
  scriptReadOnly: () => 'ERR Write commands are not allowed from read-only scripts.',
  scriptNoArguments: () => 'ERR Please specify at least one argument for this redis lib call',
  scriptBadArguments: () => 'ERR Lua redis lib command arguments must be strings or integers',
  numkeysNegative: () => "ERR Number of keys can't be negative",
  numkeysTooMany: () => "ERR Number of keys can't be greater than number of args",
  /** MODULE LOAD / LOADEX where enable-module-command allows it: Redoubt loads no modules. */
  moduleLoad: () => 'ERR Error loading the extension. Please check the server logs.',
  moduleUnloadMissing: () => 'ERR Error unloading module: no such module with that name',
  /** Any other reply text given without its code (ACL SETUSER's reason, a protocol error, ...). */
  message: (msg: string) => 'ERR ' + msg,
  invalidCursor: () => 'ERR invalid cursor',
  valueOutOfRange: () => 'ERR value is out of range',
  outOfRangeInt32: () => 'ERR value is out of range, value must between -2147483648 and 2147483647',
  outOfRangeInt64: () => 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  stringTooLong: () => 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  incrNaN: () => 'ERR increment would produce NaN or Infinity',
  limitNegative: () => "ERR LIMIT can't be negative",
  wrongPass: () => 'WRONGPASS invalid username-password pair or user is disabled.',
  // dispatcher
  /** A refused EXEC: the refusal's text (its ERR code dropped) after Redis's EXECABORT prefix. */
  execAbortBecause: (msg: string) => 'EXECABORT Transaction discarded because of: ' + (msg.startsWith('ERR ') ? msg.slice(4) : msg),
  protectedCommand: (name: string, option: string) =>
    `ERR ${name} command not allowed. If the ${option} option is set to "local", you can run it from a local connection, ` +
    'otherwise you need to set this option in the configuration file, and then restart the server.',
  noAuth: () => 'NOAUTH Authentication required.',
  notInMulti: () => 'ERR Command not allowed inside a transaction',
  oom: () => "OOM command not allowed when used memory > 'maxmemory'.",
  misconfRdb: () =>
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, " +
    'because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.',
  misconfAof: (error: string) => `MISCONF Errors writing to the AOF file: ${error}`,
  aclChangedAtExec: (reason: string) =>
    'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
    `This command is no longer allowed for the following reason: ${reason}`,
  noPermCommand: (name: string) => `NOPERM this user has no permissions to run the '${name}' command`,
  noPermKey: () => 'NOPERM this user has no permissions to access one of the keys used as arguments',
  noPermChannel: () => 'NOPERM this user has no permissions to access one of the channels used as arguments',
  pubsubContext: (fullName: string) =>
    `ERR Can't execute '${fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  // transactions
  execWithoutMulti: () => 'ERR EXEC without MULTI',
  execAbort: () => 'EXECABORT Transaction discarded because of previous errors.',
  discardWithoutMulti: () => 'ERR DISCARD without MULTI',
  watchInsideMulti: () => 'ERR WATCH inside MULTI is not allowed',
  // lists
  rankZero: () => "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  countNegative: () => "ERR COUNT can't be negative",
  maxlenNegative: () => "ERR MAXLEN can't be negative",
  // sorted sets
  scoreNaN: () => 'ERR resulting score is not a number (NaN)',
  minMaxNotFloat: () => 'ERR min or max is not a float',
  minMaxNotLex: () => 'ERR min or max not valid string range item',
  xxNxIncompatible: () => 'ERR XX and NX options at the same time are not compatible',
  gtLtNxIncompatible: () => 'ERR GT, LT, and/or NX options at the same time are not compatible',
  incrSinglePair: () => 'ERR INCR option supports a single increment-element pair',
  limitNeedsByscoreOrBylex: () => 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  withscoresWithBylex: () => 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  needsInputKey: (cmd: string) => `ERR at least 1 input key is needed for '${cmd}' command`,
  weightNotFloat: () => 'ERR weight value is not a float',
  // DEBUG
  reloadOptions: () => 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.',
  aofLoad: (msg: string) => `ERR Error loading the AOF: ${msg}`,
  notListpack: () => 'ERR Not a listpack encoded object.',
  memoryValueRange: () => 'ERR argument must be a memory value bigger than 1 and smaller than 4gb',
  // strings
  lcsNotStrings: () => 'ERR The specified keys must contain string values',
  lcsLenAndIdx: () => 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooBig: () => 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  lcsAllocFailed: () => 'ERR Insufficient memory, failed allocating transient memory for LCS',
  decrOverflow: () => 'ERR decrement would overflow',
  offsetOutOfRange: () => 'ERR offset is out of range',
  // pub/sub
  ssubscribeDenyBlocking: () => "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client",
  // CONFIG
  configSetFailed: (arg: string, reason: string) => `ERR CONFIG SET failed (possibly related to argument '${arg}') - ${reason}`,
  configSetUnknown: (arg: string) => `ERR Unknown option or number of arguments for CONFIG SET - '${arg}'`,
  noConfigFile: () => 'ERR The server is running without a config file',
  configRewrite: (msg: string) => `ERR Rewriting config file: ${msg}`,
  // ACL and AUTH
  noAclFile: () =>
    'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command ' +
    'and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.',
  authNoPassword: () => 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  usernameChars: () => "ERR Usernames can't contain spaces or null characters",
  defaultUserUndeletable: () => "ERR The 'default' user cannot be removed",
  unknownCategory: (name: string) => `ERR Unknown category '${name}'`,
  genpassBits: (max: number) => `ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${max}`,
  userNotFound: (name: string) => `ERR User '${name}' not found`,
  commandNotFound: (name: string) => `ERR Command '${name}' not found`,
  aclSaveFailed: () => 'ERR There was an error trying to save the ACLs. Please check the server logs for more information',
  // keys
  unsupportedOption: (opt: string) => `ERR Unsupported option ${opt}`,
  nxXxGtLtIncompatible: () => 'ERR NX and XX, GT or LT options at the same time are not compatible',
  gtLtIncompatible: () => 'ERR GT and LT options at the same time are not compatible',
  invalidIdletime: () => 'ERR Invalid IDLETIME value, must be >= 0',
  invalidFreq: () => 'ERR Invalid FREQ value, must be >= 0 and <= 255',
  invalidTtl: () => 'ERR Invalid TTL value, must be >= 0',
  dumpPayload: () => 'ERR DUMP payload version or checksum are wrong',
  badDataFormat: () => 'ERR Bad data format',
  lfuNotSelected: () =>
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  lfuSelected: () =>
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  invalidFirstDb: () => 'ERR invalid first DB index',
  invalidSecondDb: () => 'ERR invalid second DB index',
  // server
  invalidCommandSpecified: () => 'ERR Invalid command specified',
  noKeyArguments: () => 'ERR The command has no key arguments',
  invalidArgCount: () => 'ERR Invalid number of arguments specified for command',
  invalidArguments: () => 'ERR Invalid arguments specified for command',
  bgsaveInProgress: () => 'ERR Background save already in progress',
  bgsaveChildActive: () =>
    "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
  aofRewriteInProgress: () => 'ERR Background append only file rewriting already in progress',
  aofRewriteFailed: () => "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
  noShutdown: () => 'ERR No shutdown in progress.',
  shutdownFailed: () => 'ERR Errors trying to SHUTDOWN. Check logs.',
  monitorDenyBlocking: () => "ERR MONITOR isn't allowed for DENY BLOCKING client",
  countAtLeastMinusOne: () => 'ERR count should be greater than or equal to -1',
  noLatencySamples: (event: string) => `ERR No samples available for event '${event}'`,
  functionFlushMode: () => 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option',
  // FUNCTION and FCALL (Redis 7.0 functions)
  libraryExists: (name: string) => `ERR Library '${name}' already exists`,
  /** FUNCTION RESTORE APPEND names the library without quotes. */
  restoreLibraryExists: (name: string) => `ERR Library ${name} already exists`,
  functionExists: (name: string) => `ERR Function ${name} already exists`,
  noFunctionsRegistered: () => 'ERR No functions registered',
  missingLibraryMetadata: () => 'ERR Missing library metadata',
  invalidLibraryMetadata: () => 'ERR Invalid library metadata',
  invalidMetadataValue: (part: string) => `ERR Invalid metadata value given: ${part}`,
  metadataNameTwice: () => 'ERR Invalid metadata value, name argument was given multiple times',
  libraryNameMissing: () => 'ERR Library name was not given',
  engineNotFound: (engine: string) => `ERR Engine '${engine}' not found`,
  /** Library and function names both get this text from Redis 7.0.15. */
  libraryName: () => 'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long',
  functionCompile: (msg: string) => `ERR Error compiling function: ${msg}`,
  functionRegistering: (msg: string) => `ERR Error registering functions: ${msg}`,
  functionLoadTimeout: () => 'ERR FUNCTION LOAD timeout',
  registerWrongArgs: () => 'ERR wrong number of arguments to redis.register_function',
  registerNotFunction: () => 'ERR second argument to redis.register_function must be a function',
  registerSingleArg: () => 'ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).',
  registerUnknownArg: () => 'ERR unknown argument given to redis.register_function',
  registerFirstArg: () => 'ERR first argument to redis.register_function must be a string',
  registerNameNotString: () => 'ERR function_name argument given to redis.register_function must be a string',
  registerDescriptionNotString: () => 'ERR description argument given to redis.register_function must be a string',
  registerOutsideLoad: () => 'ERR redis.register_function can only be called on FUNCTION LOAD command',
  registerNoName: () => 'ERR redis.register_function must get a function name argument',
  registerNoCallback: () => 'ERR redis.register_function must get a callback argument',
  registerCallbackNotFunction: () => 'ERR callback argument given to redis.register_function must be a function',
  registerFlagsNotTable: () => 'ERR flags argument to redis.register_function must be a table representing function flags',
  registerUnknownFlag: () => 'ERR unknown flag given',
  registerDuplicate: () => 'ERR Function already exists in the library',
  libraryNotFound: () => 'ERR Library not found',
  functionNotFound: () => 'ERR Function not found',
  fcallBadNumkeys: () => 'ERR Bad number of keys provided',
  roWithWriteFlag: () => 'ERR Can not execute a script with write flag using *_ro command.',
  functionListNoName: () => 'ERR library name argument was not given',
  functionListArgument: (arg: string) => `ERR Unknown argument ${arg}`,
  functionLoadOption: (opt: string) => `ERR Unknown option given: ${opt}`,
  restorePolicy: () => 'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
  restoreNotFunction: () => 'ERR given type is not a function',
  restorePreGa: () => 'ERR Pre-GA function format not supported',
  busyFunction: () => 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.',
  // connections and CLIENT
  badClientName: () => 'ERR Client names cannot contain spaces, newlines or special characters.',
  protocolVersion: () => 'ERR Protocol version is not an integer or out of range',
  helloOption: (opt: string) => `ERR Syntax error in HELLO option '${opt}'`,
  helloNoAuth: () =>
    'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> ' +
    'option can be used to authenticate the client and select the RESP protocol version at the same time',
  unknownClientType: (type: string) => `ERR Unknown client type '${type}'`,
  invalidClientId: () => 'ERR Invalid client ID',
  noSuchClient: () => 'ERR No such client',
  clientIdPositive: () => 'ERR client-id should be greater than 0',
  noSuchUser: (name: string) => `ERR No such user '${name}'`,
  pauseMode: () => 'ERR CLIENT PAUSE mode must be WRITE or ALL',
  unblockReason: () => 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR',
  // hashes
  hashNotInteger: () => 'ERR hash value is not an integer',
  valueNaN: () => 'ERR value is NaN or Infinity',
  hashNotFloat: () => 'ERR hash value is not a float',
  // SORT
  sortDenied: (option: 'BY' | 'GET') => `ERR ${option} option of SORT denied due to insufficient ACL permissions.`,
  sortNotDouble: () => "ERR One or more scores can't be converted into double",
  // bitmaps
  bitOffset: () => 'ERR bit offset is not an integer or out of range',
  bitfieldType: () => 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  overflowType: () => 'ERR Invalid OVERFLOW type specified',
  bitfieldRoGet: () => 'ERR BITFIELD_RO only supports the GET subcommand',
  bitNotInteger: () => 'ERR bit is not an integer or out of range',
  bitArgument: () => 'ERR The bit argument must be 1 or 0.',
  bitopNot: () => 'ERR BITOP NOT must be called with a single source key.',
  // HyperLogLog (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST)
  notHll: () => 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  invalidHll: () => 'INVALIDOBJ Corrupted HLL object detected',
  pfdebugNoKey: () => 'ERR The specified key does not exist',
  hllNotSparse: () => 'ERR HLL encoding is not sparse',
  pfdebugUnknown: (sub: string) => `ERR Unknown PFDEBUG subcommand '${sub}'`,
  /** PFSELFTEST's failure (Redoubt's own checks; Redis words its own differently). */
  hllTestFailed: (what: string) => `TESTFAILED ${what}`,
  // streams (src/commands/stream.ts)
  streamInvalidId: () => 'ERR Invalid stream ID specified as stream command argument',
  streamIdZero: () => 'ERR The ID specified in XADD must be greater than 0-0',
  streamIdTooSmall: () => 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
  streamExhausted: () => 'ERR The stream has exhausted the last possible ID, unable to add more items',
  streamMaxlenMinid: () => 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible',
  streamMaxlenNegative: () => 'ERR The MAXLEN argument must be >= 0.',
  streamLimitNegative: () => 'ERR The LIMIT argument must be >= 0.',
  streamLimitNoStrategy: () => 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy',
  streamLimitNoApprox: () => 'ERR syntax error, LIMIT cannot be used without the special ~ option',
  streamInvalidStart: () => 'ERR invalid start ID for the interval',
  streamInvalidEnd: () => 'ERR invalid end ID for the interval',
  xreadUnbalanced: () => "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
  xreadGroupOption: () => 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.',
  xreadNoackOption: () => 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.',
  xreadgroupMissingGroup: () => 'ERR Missing GROUP option for XREADGROUP',
  xreadgroupNoGroup: (key: string, group: string) => `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`,
  xreadgroupDollar: () =>
    'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
  xreadGreater: () => 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
  xgroupNoKey: () =>
    'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
  xgroupNoGroup: (group: string, key: string) => `NOGROUP No such consumer group '${group}' for key name '${key}'`,
  busyGroup: () => 'BUSYGROUP Consumer Group name already exists',
  entriesReadValue: () => 'ERR value for ENTRIESREAD must be positive or -1',
  xsetidMaxDeleted: () => 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
  xsetidSmaller: () => 'ERR The ID specified in XSETID is smaller than the target stream top item',
  xsetidEntriesAddedNegative: () => 'ERR entries_added must be positive',
  xsetidEntriesAdded: () => 'ERR The entries_added specified in XSETID is smaller than the target stream length',
  noKeyOrGroup: (key: string, group: string) => `NOGROUP No such key '${key}' or consumer group '${group}'`,
  xclaimMinIdle: () => 'ERR Invalid min-idle-time argument for XCLAIM',
  xclaimIdle: () => 'ERR Invalid IDLE option argument for XCLAIM',
  xclaimTime: () => 'ERR Invalid TIME option argument for XCLAIM',
  xclaimRetryCount: () => 'ERR Invalid RETRYCOUNT option argument for XCLAIM',
  xclaimOption: (opt: string) => `ERR Unrecognized XCLAIM option '${opt}'`,
  xautoclaimCount: () => 'ERR COUNT must be > 0',
  blockedGroupGone: () => 'NOGROUP the consumer group this client was blocked on no longer exists',
  blockedStreamGone: () => 'UNBLOCKED the stream key no longer exists',
  // client-side caching (CLIENT TRACKING / CACHING)
  trackingRedirectTwice: () => 'ERR A client can only redirect to a single other client',
  trackingRedirectMissing: () => 'ERR The client ID you want redirect to does not exist',
  trackingPrefixNeedsBcast: () => 'ERR PREFIX option requires BCAST mode to be enabled',
  trackingBcastSwitch: () =>
    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
  trackingOptBcast: () => 'ERR OPTIN and OPTOUT are not compatible with BCAST',
  trackingOptBoth: () => "ERR You can't specify both OPTIN mode and OPTOUT mode",
  trackingOptSwitch: () =>
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
  trackingPrefixExisting: (p: string, other: string) =>
    `ERR Prefix '${p}' overlaps with an existing prefix '${other}'. Prefixes for a single client must not overlap.`,
  trackingPrefixProvided: (p: string, other: string) =>
    `ERR Prefix '${p}' overlaps with another provided prefix '${other}'. Prefixes for a single client must not overlap.`,
  cachingNeedsTracking: () => 'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
  cachingYesNeedsOptin: () => 'ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.',
  cachingNoNeedsOptout: () => 'ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.',
  // geo (src/commands/geo.ts)
  geoInvalidPair: (lon: string, lat: string) => `ERR invalid longitude,latitude pair ${lon},${lat}`,
  geoUnit: () => 'ERR unsupported unit provided. please use M, KM, FT, MI',
  geoNeedRadius: () => 'ERR need numeric radius',
  geoRadiusNegative: () => 'ERR radius cannot be negative',
  geoNeedWidth: () => 'ERR need numeric width',
  geoNeedHeight: () => 'ERR need numeric height',
  geoBoxNegative: () => 'ERR height or width cannot be negative',
  geoMemberDecode: () => 'ERR could not decode requested zset member',
  geoStoreWith: (what: string) => `ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`,
  geoFrom: (cmd: string) => `ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${cmd}`,
  geoBy: (cmd: string) => `ERR exactly one of BYRADIUS and BYBOX can be specified for ${cmd}`,
  geoAnyNeedsCount: () => 'ERR the ANY argument requires COUNT argument',
  geoCount: () => 'ERR COUNT must be > 0',
  // scripts (src/commands/stream.ts): XREAD/XREADGROUP BLOCK from a script; cmd as the script spelled it
  xreadBlockInScript: (cmd: string) => `ERR ${cmd} command is not allowed with BLOCK option from scripts`,
  // replication, the master's side (src/server/replication.ts, src/commands/replication.ts)
  noReplicas: () => 'NOREPLICAS Not enough good replicas to write.',
  replconfOption: (opt: string) => `ERR Unrecognized REPLCONF option: ${opt}`,
  syncPendingOutput: () => 'ERR SYNC and PSYNC are invalid with pending output',
  replicaofUnsupported: () =>
    'ERR REPLICAOF is not supported: a Redoubt server is a master only (replicas may attach to it with SYNC/PSYNC)',
  failoverUnsupported: () => 'ERR FAILOVER is not supported: a Redoubt server is a master only',
  // DEBUG CONFIG-REWRITE-FORCE-ALL (src/commands/debug.ts)
  configRewriteForceAll: (msg: string) => `ERR CONFIG-REWRITE-FORCE-ALL failed: ${msg}`,
};

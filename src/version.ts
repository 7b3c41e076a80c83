// Version strings: Redoubt's own, and the Redis version whose behaviour it reproduces.
export const REDOUBT_VERSION = '0.1.0';
/** The Redis version whose behaviour Redoubt reproduces (INFO redis_version, HELLO version). */
export const REDIS_VERSION = '7.0.15';

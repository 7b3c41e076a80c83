// The flags a script declares (#!lua flags=...) or a function registers (flags={...}): one table
// of names for both, as Redis shares them.

export interface ScriptFlags {
  /** The script declared its flags (a shebang, or a function: always). */
  declared: boolean;
  noWrites: boolean;
  allowOom: boolean;
  allowStale: boolean;
  noCluster: boolean;
  allowCrossSlotKeys: boolean;
}

export function scriptFlags(declared: boolean): ScriptFlags {
  return { declared, noWrites: false, allowOom: false, allowStale: false, noCluster: false, allowCrossSlotKeys: false };
}

const FLAG_FIELDS: Record<string, Exclude<keyof ScriptFlags, 'declared'> | undefined> = {
  'no-writes': 'noWrites',
  'allow-oom': 'allowOom',
  'allow-stale': 'allowStale',
  'no-cluster': 'noCluster',
  'allow-cross-slot-keys': 'allowCrossSlotKeys',
};

/** Sets the flag named `name`; false when there is no such flag. */
export function setScriptFlag(flags: ScriptFlags, name: unknown): boolean {
  const field = typeof name === 'string' ? FLAG_FIELDS[name] : undefined;
  if (field === undefined) return false;
  flags[field] = true;
  return true;
}

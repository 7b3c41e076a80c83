// The `bind` directive: which addresses the listeners open.

/** A bind address and whether it is optional ("-" prefix: skipped when the host lacks it). */
export type BindAddress = [string, boolean];

/** The `bind` directive's words as addresses: "*" is 0.0.0.0, "::*" is ::, "-" marks optional. */
export function parseBindAddresses(bind: string): BindAddress[] {
  return bind
    .split(/\s+/)
    .filter(Boolean)
    .map((a): BindAddress => {
      const optional = a.startsWith('-');
      let addr = optional ? a.slice(1) : a;
      if (addr === '*') addr = '0.0.0.0';
      if (addr === '::*') addr = '::';
      return [addr, optional];
    });
}

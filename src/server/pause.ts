// CLIENT PAUSE / UNPAUSE: postpone all commands, or only writes, until a deadline.
import type { Command } from '../commands/types.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

export class PauseState {
  mode: 'write' | 'all' | null = null;
  until = 0;
  readonly waiting = new Set<Client>();

  constructor(private readonly server: Server) {}

  /** True when this command must wait. */
  blocks(cmd: Command): boolean {
    if (this.mode === null) return false;
    if (this.server.clock.now() >= this.until) {
      this.end();
      return false;
    }
    if (this.mode === 'all') return true;
    const flags = cmd.meta.flags;
    return cmd.isWrite || flags.includes('may_replicate');
  }

  /** A new pause never weakens or shortens an active one (as Redis). */
  start(mode: 'write' | 'all', until: number): void {
    const active = this.mode !== null;
    this.mode = active && this.mode === 'all' ? 'all' : mode;
    this.until = active ? Math.max(this.until, until) : until;
  }

  check(): void {
    if (this.mode !== null && this.server.clock.now() >= this.until) this.end();
  }

  end(): void {
    this.mode = null;
    const list = [...this.waiting];
    this.waiting.clear();
    for (const c of list) c.resume();
  }
}

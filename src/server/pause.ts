// CLIENT PAUSE / UNPAUSE: postpone all commands, or only writes, until a deadline.
import type { Client } from './client.js';
import type { Server } from './server.js';

export class PauseState {
  mode: 'write' | 'all' | null = null;
  until = 0;
  readonly waiting = new Set<Client>();

  constructor(private readonly server: Server) {}

  /**
   * True when a command must wait: every command under PAUSE ALL; under PAUSE WRITE one that
   * writes or may replicate (`mayReplicate`: the dispatcher's effective flag, EXEC's queue included).
   */
  blocks(mayReplicate: boolean): boolean {
    if (this.mode === null) return false;
    if (this.server.clock.now() >= this.until) {
      this.end();
      return false;
    }
    return this.mode === 'all' || mayReplicate;
  }

  /**
   * While clients are paused keys do not expire (Redis 7.0): a key past its time reads as gone but
   * is not deleted, so that the dataset does not change under a pause (a failover waits on it).
   */
  get holdsExpiry(): boolean {
    // No side effect here (it is asked from inside handlers): cron ends an elapsed pause.
    return this.mode !== null && this.server.clock.now() < this.until;
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

  /**
   * Ends the pause. The clients it held run after the command that ended it (CLIENT UNPAUSE, or
   * the one that found it elapsed), not inside it, as Redis runs them before it next waits for
   * input: an UNPAUSE inside MULTI does not let them in before EXEC's next command.
   */
  end(): void {
    this.mode = null;
    if (this.waiting.size === 0) return;
    const list = [...this.waiting];
    this.waiting.clear();
    setImmediate(() => {
      for (const c of list) c.resume();
    });
  }
}

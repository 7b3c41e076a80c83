// Multi-connection differential scenarios (pub/sub, WATCH, notifications): the same steps run
// against Redoubt and redis-server, on named connections opened on demand, and every reply's
// bytes are collected for comparison.
import { RawConn } from './helpers.js';

/**
 * One step: [connection, ...command] expecting one reply; { on, cmd, replies } for a command
 * with another number of replies (SUBSCRIBE a b: 2, CLIENT REPLY OFF: 0); { on, read } to read
 * pushes already sent to that connection.
 */
export type Step = string[] | { on: string; cmd?: string[]; replies?: number; read?: number };

export class Scenario {
  private conns = new Map<string, RawConn>();
  constructor(private readonly port: number) {}

  async conn(name: string): Promise<RawConn> {
    let c = this.conns.get(name);
    if (c === undefined) {
      c = await RawConn.connect(this.port);
      this.conns.set(name, c);
    }
    return c;
  }

  /** Runs the steps; returns one line per step: "conn CMD -> replies". */
  async run(steps: Step[]): Promise<string[]> {
    const log: string[] = [];
    for (const step of steps) {
      const s = Array.isArray(step) ? { on: step[0]!, cmd: step.slice(1), replies: 1 } : step;
      const c = await this.conn(s.on);
      let n = s.read ?? s.replies ?? 1;
      if (s.cmd !== undefined) c.send(...s.cmd);
      let got = '';
      while (n-- > 0) got += await c.reply();
      log.push(`${s.on} ${s.cmd?.join(' ') ?? 'READ'} -> ${JSON.stringify(got)}`);
    }
    return log;
  }

  /**
   * Ends the scenario: a PING round trip on every connection still open shows any reply or push
   * that no step read, then closes them.
   */
  async finish(): Promise<string[]> {
    const log: string[] = [];
    for (const [name, c] of this.conns) {
      if (c.closed) continue;
      c.send('PING');
      let got: string;
      try {
        got = JSON.stringify(await c.reply());
      } catch {
        got = 'closed'; // QUIT, CLIENT KILL: the connection was on its way out
      }
      log.push(`${name} final PING -> ${got}`);
    }
    this.close();
    return log;
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

/** Runs the same steps on both servers; returns [ours, redis] logs (finish included). */
export async function differential(ourPort: number, redisPort: number, steps: Step[]): Promise<[string[], string[]]> {
  const a = new Scenario(ourPort);
  const b = new Scenario(redisPort);
  try {
    const x = [...(await a.run(steps)), ...(await a.finish())];
    const y = [...(await b.run(steps)), ...(await b.finish())];
    return [x, y];
  } finally {
    a.close();
    b.close();
  }
}

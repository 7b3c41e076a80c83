// Multi-connection differential scenarios (pub/sub, WATCH, notifications, blocking commands): the
// same steps run against Redoubt and redis-server, on named connections opened on demand, and
// every reply's bytes are collected for comparison.
import assert from 'node:assert/strict';
import { RawConn, infoField, waitFor } from './helpers.js';

/**
 * One step:
 * - [connection, ...command] expecting one reply;
 * - { on, cmd, replies } for a command with another number of replies (SUBSCRIBE a b: 2,
 *   CLIENT REPLY OFF: 0; a blocking command sent without reading: 0);
 * - { on, read } to read replies or pushes already sent to that connection;
 * - { on, readUntil } to read replies until one that contains the text (a marker message);
 * - { blocked } waits until INFO reports that many blocked clients;
 * - { unblock, mode } runs CLIENT UNBLOCK <that connection's id> [mode] and records its reply.
 * `normalize` (HELLO: hideClientId) rewrites a step's replies before they are recorded and compared.
 * The last two run on a control connection of their own, which no step names.
 */
export type Step =
  | string[]
  | { on: string; cmd?: string[]; replies?: number; read?: number; readUntil?: string; normalize?: (reply: string) => string }
  | { blocked: number }
  | { unblock: string; mode?: string };

export interface ScenarioOptions {
  /** '3': every connection starts with HELLO 3. */
  resp?: '2' | '3';
}

export class Scenario {
  private conns = new Map<string, RawConn>();
  private ids = new Map<string, string>();
  private ctlConn: RawConn | undefined;
  private wantIds = false;
  constructor(
    private readonly port: number,
    private readonly opts: ScenarioOptions = {},
  ) {}

  async conn(name: string): Promise<RawConn> {
    let c = this.conns.get(name);
    if (c === undefined) {
      c = await RawConn.connect(this.port);
      this.conns.set(name, c);
      if (this.opts.resp === '3') await c.call('HELLO', '3');
      // Known before the connection blocks, when it could not tell.
      if (this.wantIds) this.ids.set(name, (await c.call('CLIENT', 'ID')).slice(1, -2));
    }
    return c;
  }

  private async ctl(): Promise<RawConn> {
    this.ctlConn ??= await RawConn.connect(this.port);
    return this.ctlConn;
  }

  /** Runs the steps; returns one line per step ("conn CMD -> replies"; readUntil: one per reply). */
  async run(steps: Step[]): Promise<string[]> {
    this.wantIds ||= steps.some((s) => 'unblock' in s);
    const log: string[] = [];
    for (const step of steps) {
      if ('blocked' in step) {
        const ctl = await this.ctl();
        await waitFor(async () => Number(await infoField(ctl, 'blocked_clients', 'clients')) === step.blocked, 5000, `${step.blocked} blocked clients`);
        log.push(`wait until ${step.blocked} blocked`);
        continue;
      }
      if ('unblock' in step) {
        await this.conn(step.unblock);
        const mode = step.mode === undefined ? [] : [step.mode];
        const got = await (await this.ctl()).call('CLIENT', 'UNBLOCK', this.ids.get(step.unblock)!, ...mode);
        log.push(`ctl CLIENT UNBLOCK <${step.unblock}> ${mode.join(' ')} -> ${JSON.stringify(got)}`);
        continue;
      }
      const s = Array.isArray(step) ? { on: step[0]!, cmd: step.slice(1), replies: 1 } : step;
      const c = await this.conn(s.on);
      const norm = 'normalize' in s && s.normalize !== undefined ? s.normalize : (r: string) => r;
      if (s.cmd !== undefined) c.send(...s.cmd);
      if ('readUntil' in s && s.readUntil !== undefined) {
        for (;;) {
          const got = norm(await c.reply());
          log.push(`${s.on} READ -> ${JSON.stringify(got)}`);
          if (got.includes(s.readUntil)) break;
        }
        continue;
      }
      let n = s.read ?? s.replies ?? 1;
      let got = '';
      while (n-- > 0) got += norm(await c.reply());
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
    this.ctlConn?.close();
    this.ctlConn = undefined;
  }
}

/** Runs the same steps on both servers; returns [ours, redis] logs (finish included). */
export async function differential(ourPort: number, redisPort: number, steps: Step[], opts: ScenarioOptions = {}): Promise<[string[], string[]]> {
  const a = new Scenario(ourPort, opts);
  const b = new Scenario(redisPort, opts);
  try {
    const x = [...(await a.run(steps)), ...(await a.finish())];
    const y = [...(await b.run(steps)), ...(await b.finish())];
    return [x, y];
  } finally {
    a.close();
    b.close();
  }
}

/**
 * The scenario runner: runs the steps on both servers and requires the same logs (replies after
 * each step's `normalize`, and the final PINGs); returns Redoubt's log, whose line i is step i's
 * when no step before it is a readUntil.
 */
export async function sameScenario(ourPort: number, redisPort: number, steps: Step[], opts: ScenarioOptions = {}): Promise<string[]> {
  const [x, y] = await differential(ourPort, redisPort, steps, opts);
  assert.deepEqual(x, y);
  return x;
}

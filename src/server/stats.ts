// Server-wide counters for INFO stats and errorstats.
import type { ErrorSink } from '../protocol/writer.js';

const SAMPLES = 16;

export class ServerStats implements ErrorSink {
  totalConnections = 0;
  rejectedConnections = 0;
  commands = 0;
  netInput = 0;
  netOutput = 0;
  totalErrors = 0;
  /** Failed AUTH / HELLO AUTH attempts (INFO acl_access_denied_auth). */
  authFailures = 0;
  readonly errorCounts = new Map<string, number>();
  /** Ring buffers for instantaneous_ops_per_sec and friends. */
  private lastSampleTime = 0;
  private lastCommands = 0;
  private lastIn = 0;
  private lastOut = 0;
  private opsSamples: number[] = [];
  private inSamples: number[] = [];
  private outSamples: number[] = [];

  countError(code: string): void {
    this.totalErrors++;
    // Redis caps distinct error codes at 128; beyond that they count under "errorstat_ERRORSTATS_DISABLED"-like silence.
    if (this.errorCounts.size >= 128 && !this.errorCounts.has(code)) return;
    this.errorCounts.set(code, (this.errorCounts.get(code) ?? 0) + 1);
  }

  /** Called from cron: samples rates about every 100 ms. */
  sample(now: number): void {
    if (now - this.lastSampleTime < 100) return;
    const dt = (now - this.lastSampleTime) / 1000;
    if (this.lastSampleTime !== 0 && dt > 0) {
      push(this.opsSamples, (this.commands - this.lastCommands) / dt);
      push(this.inSamples, (this.netInput - this.lastIn) / dt / 1024);
      push(this.outSamples, (this.netOutput - this.lastOut) / dt / 1024);
    }
    this.lastSampleTime = now;
    this.lastCommands = this.commands;
    this.lastIn = this.netInput;
    this.lastOut = this.netOutput;
  }

  get opsPerSec(): number {
    return Math.round(avg(this.opsSamples));
  }
  get inputKbps(): number {
    return avg(this.inSamples);
  }
  get outputKbps(): number {
    return avg(this.outSamples);
  }

  /** CONFIG RESETSTAT. */
  reset(): void {
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.commands = 0;
    this.netInput = 0;
    this.netOutput = 0;
    this.totalErrors = 0;
    this.errorCounts.clear();
    this.opsSamples = [];
    this.inSamples = [];
    this.outSamples = [];
    this.lastCommands = 0;
    this.lastIn = 0;
    this.lastOut = 0;
  }
}

function push(a: number[], v: number): void {
  a.push(v);
  if (a.length > SAMPLES) a.shift();
}

function avg(a: number[]): number {
  if (a.length === 0) return 0;
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}

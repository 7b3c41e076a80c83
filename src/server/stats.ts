// Server-wide counters for INFO stats and errorstats, per-command latency histograms (INFO
// latencystats, LATENCY HISTOGRAM) and the latency monitor (LATENCY LATEST/HISTORY/GRAPH).
import type { Command } from '../commands/types.js';
import type { Config } from '../config/config.js';
import type { ErrorSink } from '../protocol/writer.js';

const SAMPLES = 16;

export class ServerStats implements ErrorSink {
  totalConnections = 0;
  rejectedConnections = 0;
  commands = 0;
  netInput = 0;
  netOutput = 0;
  totalErrors = 0;
  readonly errorCounts = new Map<string, number>();
  /** Whether commands' latency histograms (cmd.stats.latency) are kept (`latency-tracking`). */
  latencyTracking = true;
  /** latency-monitor-threshold in microseconds; 0 disables the monitor. */
  latencyMonitorUsec = 0;
  readonly latencyEvents = new Map<string, LatencyEvent>();
  /** Accounted used memory at start-up (nothing: no keys, no clients) and its peak, sampled by cron and INFO. */
  readonly startupMemory = 0;
  peakMemory = 0;
  /** Connections refused by protected mode (counted, not logged one by one). */
  protectedModeRejections = 0;
  /** Errors replied for reasons that are not the client's (INFO unexpected_error_replies). */
  unexpectedErrors = 0;
  /** Reply buffers the client cron made smaller / bigger (protocol/writer.ts, resize). */
  replyBufferShrinks = 0;
  replyBufferExpands = 0;

  /** Follows latency-tracking and latency-monitor-threshold. */
  constructor(config: Config) {
    this.latencyTracking = config.bool('latency-tracking');
    config.onChange('latency-tracking', (v) => (this.latencyTracking = v as boolean));
    this.latencyMonitorUsec = config.num('latency-monitor-threshold') * 1000;
    config.onChange('latency-monitor-threshold', (v) => (this.latencyMonitorUsec = (v as number) * 1000));
  }

  /** Called after each executed command with its duration. */
  recordCall(cmd: Command, usec: number, clock: { now(): number }): void {
    if (this.latencyTracking) {
      let h = cmd.stats.latency;
      if (h === undefined) {
        h = new LatencyHistogram();
        cmd.stats.latency = h;
      }
      h.record(usec);
    }
    // The event's name and the clock only when a sample is taken: this runs for every command.
    const threshold = this.latencyMonitorUsec;
    if (threshold > 0 && usec >= threshold) this.latencyEvent(cmd.meta.flags.includes('fast') ? 'fast-command' : 'command', Math.floor(usec / 1000), clock.now());
  }

  /** Adds a latency-monitor sample for an event that took `usec` when the monitor is on and it reached the threshold. */
  latencySample(name: string, usec: number, nowMs: number): void {
    const threshold = this.latencyMonitorUsec;
    if (threshold > 0 && usec >= threshold) this.latencyEvent(name, Math.floor(usec / 1000), nowMs);
  }

  /** Adds a latency-monitor sample (milliseconds) for an event, one per second as Redis keeps them. */
  latencyEvent(name: string, ms: number, nowMs: number): void {
    const t = Math.floor(nowMs / 1000);
    let ev = this.latencyEvents.get(name);
    if (ev === undefined) {
      ev = { samples: [], max: 0 };
      this.latencyEvents.set(name, ev);
    }
    if (ms > ev.max) ev.max = ms;
    const last = ev.samples[ev.samples.length - 1];
    if (last !== undefined && last.time === t) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    ev.samples.push({ time: t, latency: ms });
    if (ev.samples.length > LATENCY_SAMPLES) ev.samples.shift();
  }

  /** Refreshes the memory peak; returns the current used memory. */
  sampleMemory(m: number): number {
    if (m > this.peakMemory) this.peakMemory = m;
    return m;
  }
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
  sample(now: number, usedMemory: number): void {
    if (now - this.lastSampleTime < 100) return;
    const dt = (now - this.lastSampleTime) / 1000;
    if (this.lastSampleTime !== 0 && dt > 0) {
      push(this.opsSamples, (this.commands - this.lastCommands) / dt);
      push(this.inSamples, (this.netInput - this.lastIn) / dt / 1024);
      push(this.outSamples, (this.netOutput - this.lastOut) / dt / 1024);
    }
    this.lastSampleTime = now;
    this.sampleMemory(usedMemory);
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
    this.unexpectedErrors = 0;
    this.replyBufferShrinks = 0;
    this.replyBufferExpands = 0;
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

/** Redis keeps 160 latency samples per event. */
const LATENCY_SAMPLES = 160;

export interface LatencySample {
  /** Unix time, seconds. */
  time: number;
  /** Milliseconds. */
  latency: number;
}

export interface LatencyEvent {
  samples: LatencySample[];
  /** All-time maximum, milliseconds. */
  max: number;
}

/** Sub-buckets per power of two: about 19% wide, enough for p50/p99 reports. */
const SUB = 4;
const BUCKETS = 64 * SUB;

/**
 * Latency histogram in microseconds, logarithmic buckets: bucket 0 holds durations up to 1 us,
 * bucket i (i >= 1) holds durations up to 2^(i/SUB) us.
 */
export class LatencyHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  total = 0;

  record(usec: number): void {
    const i = usec <= 1 ? 0 : usec < 2 ** 31 ? smallBucket(usec) : Math.min(BUCKETS - 1, Math.ceil(Math.log2(usec) * SUB));
    this.counts[i]!++;
    this.total++;
  }

  /** Upper bound (us) of the bucket holding the p-th percentile (0 < p <= 100). */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const want = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= want) return bucketBound(i);
    }
    return bucketBound(BUCKETS - 1);
  }

  /** LATENCY HISTOGRAM: [power-of-two bound in us, cumulative count], only where the count grows. */
  cumulative(): [number, number][] {
    const out: [number, number][] = [];
    let seen = 0;
    let reported = 0;
    for (let k = 0; k * SUB < BUCKETS; k++) {
      const from = k === 0 ? 0 : (k - 1) * SUB + 1;
      for (let i = from; i <= k * SUB; i++) seen += this.counts[i]!;
      if (seen > reported) {
        out.push([2 ** k, seen]);
        reported = seen;
      }
      if (seen === this.total) break;
    }
    return out;
  }
}

/** 2^(j/SUB) for j = 0..SUB: the sub-bucket bounds within a power of two. */
const SUB_BOUNDS = Float64Array.from({ length: SUB + 1 }, (_, j) => 2 ** (j / SUB));

/**
 * ceil(log2(usec) * SUB) for 1 < usec < 2^31 without a logarithm (one per command): the power of
 * two below usec from its leading zeros, then the first sub-bucket bound at or above usec.
 */
function smallBucket(usec: number): number {
  const p = 31 - Math.clz32(usec);
  const x = usec / 2 ** p;
  let j = 0;
  while (SUB_BOUNDS[j]! < x) j++;
  return p * SUB + j;
}

function bucketBound(i: number): number {
  return i === 0 ? 1 : 2 ** (i / SUB);
}

// BullMQ (v6, on its own ioredis v6 connections, which speak RESP3) against Redoubt, used as an
// application would: a Queue and a Worker processing jobs, delayed jobs, retries with backoff,
// final failures, a job scheduler (repeatable job), a flow (parent after its children), events
// through the queue's stream (QueueEvents), priorities and the worker's rate limiter. BullMQ runs
// almost everything as Lua scripts (cmsgpack, cjson, streams, sorted sets), so these tests lean on
// the scripting and stream commands. Each test has its own queue and closes what it opens.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlowProducer, Queue, QueueEvents, Worker, type Job, type Processor } from 'bullmq';
import { pollUntil } from '../helpers.js';
import { libraryHarness } from './harness.js';

const h = libraryHarness('BullMQ');
const track = h.track;
let queueCount = 0;

// Workers need maxRetriesPerRequest: null on their (blocking) connections.
const connection = (): { host: string; port: number; maxRetriesPerRequest: null } => ({ host: h.server().host, port: h.server().port, maxRetriesPerRequest: null });

function queue(): Queue {
  return track(new Queue(`q${++queueCount}`, { connection: connection() }), 'queue');
}

function worker(q: Queue, fn: Processor, opts: { concurrency?: number; limiter?: { max: number; duration: number } } = {}): Worker {
  return track(new Worker(q.name, fn, { connection: connection(), ...opts }), 'worker');
}

async function events(q: Queue): Promise<QueueEvents> {
  const ev = track(new QueueEvents(q.name, { connection: connection() }), 'queue events');
  await ev.waitUntilReady();
  return ev;
}

/** The job once it is in `state` (as the queue reports it). */
async function jobIn(q: Queue, id: string, state: string): Promise<Job> {
  return pollUntil(`job ${id} ${state}`, async () => ((await q.getJobState(id)) === state ? q.getJob(id) : undefined));
}

describe('BullMQ against Redoubt', () => {
  it('a worker processes jobs in order and their results are stored', async () => {
    const q = queue();
    const added = [];
    for (let i = 1; i <= 5; i++) added.push(await q.add('double', { n: i }));
    assert.equal(await q.getWaitingCount(), 5);
    const seen: number[] = [];
    worker(q, async (job: Job<{ n: number }>) => {
      seen.push(job.data.n);
      return { doubled: job.data.n * 2 };
    });
    for (const a of added) {
      const job = await jobIn(q, a.id!, 'completed');
      assert.deepEqual(job.returnvalue, { doubled: (a.data as { n: number }).n * 2 });
      assert.equal(job.attemptsMade, 1);
      assert.ok(job.finishedOn! >= job.processedOn!);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5], 'FIFO order with one worker');
    const counts = await q.getJobCounts('completed', 'waiting', 'active', 'failed');
    assert.deepEqual(counts, { completed: 5, waiting: 0, active: 0, failed: 0 });
    assert.deepEqual((await q.getCompleted()).map((j) => j.id).sort(), added.map((j) => j.id).sort());
  });

  it('a delayed job waits in the delayed set and runs after its delay', async () => {
    const q = queue();
    let ranAt = 0;
    worker(q, async () => {
      ranAt = Date.now();
      return 'late';
    });
    const now = await q.add('now', {});
    const delayed = await q.add('later', {}, { delay: 400 });
    assert.equal(await q.getJobState(delayed.id!), 'delayed');
    assert.deepEqual((await q.getDelayed()).map((j) => j.id), [delayed.id]);
    await jobIn(q, now.id!, 'completed');
    assert.equal(await q.getJobState(delayed.id!), 'delayed', 'not run before its delay');
    const done = await jobIn(q, delayed.id!, 'completed');
    assert.equal(done.returnvalue, 'late');
    assert.ok(ranAt - delayed.timestamp >= 400, `ran ${ranAt - delayed.timestamp} ms after being added`);
    assert.equal(await q.getDelayedCount(), 0);
  });

  it('a job failing twice is retried with its backoff and then succeeds', async () => {
    const q = queue();
    const tries: number[] = [];
    worker(q, async (job: Job) => {
      tries.push(Date.now());
      if (tries.length < 3) throw new Error(`attempt ${tries.length} failed`);
      return `ok after ${job.attemptsMade} failures`;
    });
    const job = await q.add('flaky', {}, { attempts: 4, backoff: { type: 'fixed', delay: 150 } });
    const done = await jobIn(q, job.id!, 'completed');
    assert.equal(tries.length, 3);
    assert.equal(done.returnvalue, 'ok after 2 failures');
    assert.equal(done.attemptsMade, 3);
    assert.equal(done.stacktrace?.length, 2, 'the two failures are recorded');
    for (let i = 1; i < tries.length; i++) assert.ok(tries[i]! - tries[i - 1]! >= 140, `retry ${i} came ${tries[i]! - tries[i - 1]!} ms after the failure`);
    assert.equal(await q.getFailedCount(), 0);
  });

  it('a job failing all its attempts ends failed, with its reason, in the failed set', async () => {
    const q = queue();
    let calls = 0;
    const w = worker(q, async () => {
      calls++;
      throw new Error(`broken #${calls}`);
    });
    const failedEvents: string[] = [];
    w.on('failed', (j, e) => failedEvents.push(`${j?.id}:${e.message}`));
    const job = await q.add('doomed', { x: 1 }, { attempts: 2, backoff: { type: 'exponential', delay: 50 } });
    const failed = await jobIn(q, job.id!, 'failed');
    assert.equal(calls, 2);
    assert.equal(failed.failedReason, 'broken #2');
    assert.equal(failed.attemptsMade, 2);
    assert.equal(failed.stacktrace?.length, 2);
    assert.deepEqual((await q.getFailed()).map((j) => [j.id, j.failedReason]), [[job.id, 'broken #2']]);
    assert.deepEqual(failedEvents, [`${job.id}:broken #1`, `${job.id}:broken #2`]);
    // A failed job can be retried by hand.
    await failed.retry();
    await pollUntil('the retried job to fail again', async () => calls === 3);
    await jobIn(q, job.id!, 'failed');
  });

  it('a job scheduler repeats a job every interval until it is removed', async () => {
    const q = queue();
    const runs: { at: number; id: string; data: unknown }[] = [];
    worker(q, async (job: Job) => {
      runs.push({ at: Date.now(), id: job.id!, data: job.data });
      return runs.length;
    });
    await q.upsertJobScheduler('tick', { every: 150 }, { name: 'tick', data: { kind: 'heartbeat' } });
    const schedulers = await q.getJobSchedulers();
    assert.equal(schedulers.length, 1);
    assert.equal(schedulers[0]!.key, 'tick');
    assert.equal(schedulers[0]!.every, 150);
    await pollUntil('three runs', async () => runs.length >= 3);
    for (const r of runs) assert.deepEqual(r.data, { kind: 'heartbeat' });
    // Each run's id ends with the time it was due: a step of 150 ms apart, none run before it was due.
    const due = runs.map((r) => Number(/^repeat:tick:(\d+)$/.exec(r.id)?.[1]));
    for (let i = 0; i < runs.length; i++) {
      assert.ok(runs[i]!.at >= due[i]!, `run ${runs[i]!.id} at ${runs[i]!.at}`);
      if (i > 0) assert.ok(due[i]! > due[i - 1]! && (due[i]! - due[i - 1]!) % 150 === 0, `runs due at ${due.join(', ')}`);
    }
    assert.equal(await q.removeJobScheduler('tick'), true);
    assert.deepEqual(await q.getJobSchedulers(), []);
    // Its next run was removed with it: nothing left waiting to run.
    await pollUntil('no scheduled run left', async () => (await q.getDelayedCount()) === 0 && (await q.getWaitingCount()) === 0);
    assert.ok((await q.getCompletedCount()) >= 3);
  });

  it('a flow runs the parent after its children, with their results', async () => {
    const q = queue();
    const flow = track(new FlowProducer({ connection: connection() }), 'flow producer');
    const tree = await flow.add({
      name: 'total',
      queueName: q.name,
      data: {},
      children: [
        { name: 'part', queueName: q.name, data: { v: 3 } },
        { name: 'part', queueName: q.name, data: { v: 4 } },
        { name: 'part', queueName: q.name, data: { v: 5 } },
      ],
    });
    const parentId = tree.job.id!;
    assert.equal(await q.getJobState(parentId), 'waiting-children');
    const deps = await tree.job.getDependenciesCount();
    assert.equal(deps.unprocessed, 3);
    const order: string[] = [];
    worker(q, async (job: Job<{ v?: number }>) => {
      order.push(job.name);
      if (job.name === 'part') return job.data.v! * 10;
      const values = await job.getChildrenValues<number>();
      return Object.values(values).reduce((a, b) => a + b, 0);
    });
    const parent = await jobIn(q, parentId, 'completed');
    assert.deepEqual(order, ['part', 'part', 'part', 'total']);
    assert.equal(parent.returnvalue, 120);
    const childValues = await parent.getChildrenValues<number>();
    const childKeys = tree.children!.map((c) => `${c.job.prefix}:${q.name}:${c.job.id}`);
    assert.deepEqual(Object.keys(childValues).sort(), childKeys.sort());
    assert.deepEqual(Object.values(childValues).sort(), [30, 40, 50]);
  });

  it('QueueEvents receives completed, failed and progress events through the stream', async () => {
    const q = queue();
    const ev = await events(q);
    const seen: string[] = [];
    ev.on('completed', ({ jobId, returnvalue }) => seen.push(`completed ${jobId} ${JSON.stringify(returnvalue)}`));
    ev.on('failed', ({ jobId, failedReason }) => seen.push(`failed ${jobId} ${failedReason}`));
    ev.on('progress', ({ jobId, data }) => seen.push(`progress ${jobId} ${JSON.stringify(data)}`));
    worker(q, async (job: Job<{ ok: boolean }>) => {
      await job.updateProgress(50);
      if (!job.data.ok) throw new Error('nope');
      return { fine: true };
    });
    const good = await q.add('good', { ok: true });
    assert.deepEqual(await good.waitUntilFinished(ev, 8000), { fine: true });
    const bad = await q.add('bad', { ok: false });
    await assert.rejects(bad.waitUntilFinished(ev, 8000), /nope/);
    await pollUntil('four events', async () => seen.length >= 4);
    assert.deepEqual(seen, [
      `progress ${good.id} 50`,
      `completed ${good.id} {"fine":true}`,
      `progress ${bad.id} 50`,
      `failed ${bad.id} nope`,
    ]);
  });

  it('prioritized jobs run lowest priority number first', async () => {
    const q = queue();
    await q.add('p10', {}, { priority: 10 });
    await q.add('p1', {}, { priority: 1 });
    await q.add('none', {});
    await q.add('p5', {}, { priority: 5 });
    assert.equal(await q.getPrioritizedCount(), 3);
    const order: string[] = [];
    worker(q, async (job: Job) => {
      order.push(job.name);
    });
    await pollUntil('all four run', async () => order.length === 4);
    assert.deepEqual(order, ['none', 'p1', 'p5', 'p10']);
  });

  it("the worker's rate limiter spaces jobs out", async () => {
    const q = queue();
    for (let i = 0; i < 5; i++) await q.add('limited', { i });
    const starts: number[] = [];
    worker(q, async () => {
      starts.push(Date.now());
    }, { concurrency: 5, limiter: { max: 2, duration: 300 } });
    await pollUntil('all five run', async () => starts.length === 5, 10000);
    // At most 2 per 300 ms: the fifth starts at least two windows after the first.
    assert.ok(starts[4]! - starts[0]! >= 550, `five jobs ran within ${starts[4]! - starts[0]!} ms`);
  });
});

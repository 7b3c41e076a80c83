// Bull (v4, on its own ioredis v5 connections, RESP2) against Redoubt, used as an application
// would: processing jobs, delayed jobs, retries with backoff, final failures, repeatable jobs and
// the global events another process sees (published over pub/sub). Bull keeps three connections
// per queue (commands, blocking BRPOPLPUSH, subscriber) and runs its state changes as Lua
// scripts. Each test has its own queue names and closes what it opens.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import Queue from 'bull';
import { pollUntil } from '../helpers.js';
import { libraryHarness } from './harness.js';

const h = libraryHarness('Bull');
let queueCount = 0;

/** A queue instance; `name` shares a queue between instances (a producer and a listener). */
function queue(name = `bq${++queueCount}`): Queue.Queue {
  const srv = h.server();
  return h.track(new Queue(name, { redis: { host: srv.host, port: srv.port } }), 'queue');
}

/** The job once it is in `state`. */
async function jobIn(q: Queue.Queue, id: Queue.JobId, state: Queue.JobStatus): Promise<Queue.Job> {
  // The state first, then the job: a job read before it finished would carry no result.
  return pollUntil(`job ${id} ${state}`, async () => {
    const job = await q.getJob(id);
    if (job === null || (await job.getState()) !== state) return undefined;
    return (await q.getJob(id)) ?? undefined;
  });
}

describe('Bull against Redoubt', () => {
  it('a processor handles jobs in order and their results are stored', async () => {
    const q = queue();
    const seen: number[] = [];
    const added: Queue.Job[] = [];
    for (let i = 1; i <= 5; i++) added.push(await q.add({ n: i }));
    assert.equal(await q.getWaitingCount(), 5);
    void q.process(async (job: Queue.Job<{ n: number }>) => {
      seen.push(job.data.n);
      return { doubled: job.data.n * 2 };
    });
    for (const a of added) {
      const job = await jobIn(q, a.id, 'completed');
      assert.deepEqual(job.returnvalue, { doubled: (a.data as { n: number }).n * 2 });
      assert.ok(job.finishedOn! >= job.processedOn!);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    const counts = await q.getJobCounts();
    assert.equal(counts.completed, 5);
    assert.equal(counts.waiting + counts.active + counts.failed + counts.delayed, 0);
  });

  it('a delayed job waits in the delayed set and runs after its delay', async () => {
    const q = queue();
    let ranAt = 0;
    void q.process(async () => {
      ranAt = Date.now();
      return 'late';
    });
    const now = await q.add({ when: 'now' });
    const delayed = await q.add({ when: 'later' }, { delay: 400 });
    assert.equal(await delayed.getState(), 'delayed');
    assert.deepEqual((await q.getDelayed()).map((j) => j.id), [delayed.id]);
    await jobIn(q, now.id, 'completed');
    assert.equal(await delayed.getState(), 'delayed', 'not run before its delay');
    const done = await jobIn(q, delayed.id, 'completed');
    assert.equal(done.returnvalue, 'late');
    assert.ok(ranAt - delayed.timestamp >= 400, `ran ${ranAt - delayed.timestamp} ms after being added`);
    assert.equal(await q.getDelayedCount(), 0);
  });

  it('a job failing twice is retried with its backoff and then succeeds', async () => {
    const q = queue();
    const tries: number[] = [];
    void q.process(async () => {
      tries.push(Date.now());
      if (tries.length < 3) throw new Error(`attempt ${tries.length} failed`);
      return 'finally';
    });
    const job = await q.add({}, { attempts: 4, backoff: { type: 'fixed', delay: 150 } });
    const done = await jobIn(q, job.id, 'completed');
    assert.equal(tries.length, 3);
    assert.equal(done.returnvalue, 'finally');
    assert.equal(done.attemptsMade, 2, 'the failed attempts');
    assert.equal(done.stacktrace.length, 2);
    for (let i = 1; i < tries.length; i++) assert.ok(tries[i]! - tries[i - 1]! >= 140, `retry ${i} came ${tries[i]! - tries[i - 1]!} ms after the failure`);
    assert.equal(await q.getFailedCount(), 0);
  });

  it('a job failing all its attempts ends failed, with its reason, in the failed set', async () => {
    const q = queue();
    let calls = 0;
    const failedEvents: string[] = [];
    q.on('failed', (j: Queue.Job, e: Error) => failedEvents.push(`${j.id}:${e.message}`));
    void q.process(async () => {
      calls++;
      throw new Error(`broken #${calls}`);
    });
    const job = await q.add({ x: 1 }, { attempts: 2, backoff: { type: 'exponential', delay: 50 } });
    const failed = await jobIn(q, job.id, 'failed');
    assert.equal(calls, 2);
    assert.equal(failed.failedReason, 'broken #2');
    assert.equal(failed.attemptsMade, 2);
    assert.equal(failed.stacktrace.length, 2);
    assert.deepEqual((await q.getFailed()).map((j) => [j.id, j.failedReason]), [[job.id, 'broken #2']]);
    assert.deepEqual(failedEvents, [`${job.id}:broken #1`, `${job.id}:broken #2`]);
    await failed.retry();
    await pollUntil('the retried job to fail again', async () => calls === 3);
    await jobIn(q, job.id, 'failed');
  });

  it('a repeatable job runs every interval until it is removed', async () => {
    const q = queue();
    const runs: { at: number; id: string; data: unknown }[] = [];
    void q.process('tick', async (job: Queue.Job) => {
      runs.push({ at: Date.now(), id: String(job.id), data: job.data });
    });
    await q.add('tick', { kind: 'heartbeat' }, { repeat: { every: 150 } });
    const repeatables = await q.getRepeatableJobs();
    assert.deepEqual(repeatables.map((r) => [r.name, r.every]), [['tick', 150]]);
    await pollUntil('three runs', async () => runs.length >= 3);
    for (const r of runs) assert.deepEqual(r.data, { kind: 'heartbeat' });
    // Each run's id ends with the time it was due, on the 150 ms grid; none ran before it was due.
    const due = runs.map((r) => Number(/^repeat:[0-9a-f]+:(\d+)$/.exec(r.id)?.[1]));
    for (let i = 0; i < runs.length; i++) {
      assert.ok(due[i]! % 150 === 0 && runs[i]!.at >= due[i]!, `run ${runs[i]!.id} at ${runs[i]!.at}`);
      if (i > 0) assert.ok(due[i]! > due[i - 1]!, `runs due at ${due.join(', ')}`);
    }
    await q.removeRepeatable('tick', { every: 150 });
    assert.deepEqual(await q.getRepeatableJobs(), []);
    // Its next run went with it.
    await pollUntil('no scheduled run left', async () => (await q.getDelayedCount()) === 0 && (await q.getWaitingCount()) === 0);
    assert.ok((await q.getCompletedCount()) >= 3);
  });

  it('another instance of the queue receives global:completed and global:failed', async () => {
    const name = `bq${++queueCount}`;
    const listener = queue(name);
    const seen: string[] = [];
    const registered = Promise.all([once(listener, 'registered:global:completed'), once(listener, 'registered:global:failed')]);
    listener.on('global:completed', (id: string, result: string) => seen.push(`completed ${id} ${result}`));
    listener.on('global:failed', (id: string, reason: string) => seen.push(`failed ${id} ${reason}`));
    await registered;
    const worker = queue(name);
    void worker.process(async (job: Queue.Job<{ ok: boolean }>) => {
      if (!job.data.ok) throw new Error('nope');
      return { fine: true };
    });
    const good = await worker.add({ ok: true });
    const bad = await worker.add({ ok: false });
    await pollUntil('two global events', async () => seen.length >= 2);
    assert.deepEqual(seen, [`completed ${good.id} {"fine":true}`, `failed ${bad.id} nope`]);
    // The listener processes nothing itself: the events crossed connections.
    assert.equal((await listener.getJob(good.id))?.returnvalue?.fine, true);
  });
});

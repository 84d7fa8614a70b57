/**
 * The bare-Temporal baseline's workers (a child process each, like ours): with
 * BENCH_BASELINE_ROLE=workflows it runs the baseline workflows (as our service worker runs
 * ours, with the same worker options); with =activities it runs the one activity and
 * reports when each starts over IPC (as our app worker reports handler starts).
 */
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { baselineActivities } from './baseline/activities.js';
import { FireReporter } from './lib/fire-log.js';

const reporter = new FireReporter();
const role = process.env.BENCH_BASELINE_ROLE;
const taskQueue = process.env.BENCH_BASELINE_TASK_QUEUE;

try {
  if (!taskQueue || (role !== 'workflows' && role !== 'activities')) throw new Error('BENCH_BASELINE_ROLE (workflows|activities) and BENCH_BASELINE_TASK_QUEUE are required');
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker =
    role === 'workflows'
      ? await Worker.create({
          connection,
          taskQueue,
          workflowBundle: { codePath: process.env.BENCH_BASELINE_BUNDLE ?? '' },
          // The options of our service worker (server/worker.ts), so that only product code differs.
          maxCachedWorkflows: 1000,
          maxConcurrentWorkflowTaskExecutions: 100,
          workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 10 },
          nonStickyToStickyPollRatio: 0.5,
        })
      : await Worker.create({
          connection,
          taskQueue,
          activities: baselineActivities((payload) => reporter.record(payload, Context.current().info.attempt)),
          // As many at once as our app worker runs handlers.
          maxConcurrentActivityTaskExecutions: Number(process.env.BENCH_HANDLER_CONCURRENCY ?? 100),
          shutdownGraceTime: '5 seconds',
        });
  const running = worker.run();
  reporter.send({ type: 'ready' });
  reporter.exitOnStop(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });
  await running;
} catch (err) {
  reporter.send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

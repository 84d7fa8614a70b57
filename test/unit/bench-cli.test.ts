/** bench/lib/cli.ts: the modes, stacks and options of `npm run bench`. */
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/lib/cli.js';

describe('parseBenchArgs', () => {
  it('runs --quick at 30, 100 and 200 fires/s on the bench stack, with the baseline and BullMQ', () => {
    expect(parseBenchArgs(['--quick'])).toMatchObject({ mode: 'quick', stack: 'bench', rates: [30, 100, 200], durationSeconds: 10, baseline: true, bullmq: true, compareLead: false, lostWaitSeconds: 900 });
  });

  it('takes --stack dev with a data folder, --compare-lead and --set', () => {
    expect(parseBenchArgs(['--stack', 'dev', '--data-dir', '/tmp/x', '--compare-lead', '--set', 'DISPATCH_LEAD_MS=50', '--lost-wait', '60'])).toMatchObject({
      mode: 'sweep',
      stack: 'dev',
      dataDir: '/tmp/x',
      compareLead: true,
      env: { DISPATCH_LEAD_MS: '50' },
      lostWaitSeconds: 60,
    });
  });

  it('refuses an unknown stack, --data-dir without --stack dev, and --dc with it', () => {
    expect(() => parseBenchArgs(['--stack', 'prod'])).toThrow(/--stack/);
    expect(() => parseBenchArgs(['--data-dir', '/tmp/x'])).toThrow(/--stack dev/);
    expect(() => parseBenchArgs(['--stack', 'dev', '--dc', 'a=1'])).toThrow(/--stack bench/);
  });
});

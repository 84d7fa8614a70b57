/** The baseline's one activity: record when it starts (the "handler"), nothing else. */
import type { BenchPayload } from '../lib/fire-log.js';

export interface BaselineActivities {
  fire(payload: BenchPayload): Promise<void>;
}

export function baselineActivities(record: (payload: BenchPayload) => void): BaselineActivities {
  return {
    async fire(payload) {
      record(payload);
    },
  };
}

/** Assertions on the error envelope `{"error": {"code", "message", "details"}}`. */
import { expect } from 'vitest';
import type { HostileCase } from './hostile-cases.js';

export interface Envelope {
  error: { code: string; message: string; details?: Array<{ field?: string } & Record<string, unknown>> };
}

/** The answer has the case's status, exactly the envelope with its code, and names its field. */
export function expectEnvelope(c: Pick<HostileCase, 'name' | 'status' | 'code' | 'field'>, status: number, text: string): Envelope {
  expect(status, c.name).toBe(c.status);
  const body = JSON.parse(text) as Envelope;
  expect(Object.keys(body), c.name).toEqual(['error']);
  expect(body.error.code, c.name).toBe(c.code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (c.field) {
    const named = [body.error.message, ...(body.error.details ?? []).map((d) => d.field ?? '')];
    expect(named.some((name) => name.includes(c.field as string)), `${c.name}: ${JSON.stringify(body.error)}`).toBe(true);
  }
  return body;
}

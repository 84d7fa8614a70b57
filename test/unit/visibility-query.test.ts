import { describe, expect, it } from 'vitest';
import { appUiQuery, decodePageToken, encodePageToken, listQuery, literal, overdueQuery, pageTokenTime, statusCondition } from '../../server/callbacks/visibility-query.js';
import { ServiceError } from '../../server/errors.js';

describe('visibility queries', () => {
  it('scopes every listing to the workflow type and the app', () => {
    expect(listQuery('orders')).toBe("WorkflowType = 'delayCallback' AND CallbackApp = 'orders'");
  });

  it('adds each filter', () => {
    const query = listQuery(
      'orders',
      {
        status: 'retrying',
        alias: 'expire',
        triggerAfter: Date.parse('2026-01-01T00:00:00Z'),
        triggerBefore: Date.parse('2026-02-01T00:00:00Z'),
      },
      Date.parse('2026-01-15T00:00:00Z'),
    );
    expect(query).toContain("CallbackStatus = 'retrying' AND ExecutionStatus = 'Running'");
    expect(query).toContain("CallbackAlias = 'expire'");
    expect(query).toContain("CallbackTriggerAt >= '2026-01-01T00:00:00.000Z'");
    expect(query).toContain("CallbackTriggerAt < '2026-02-01T00:00:00.000Z'");
  });

  it('counts workflows terminated from outside as failed, and those cancelled through Temporal as cancelled', () => {
    expect(statusCondition('failed')).toBe(
      "((CallbackStatus = 'failed' AND ExecutionStatus NOT IN ('Terminated', 'TimedOut', 'Canceled')) OR ExecutionStatus IN ('Terminated', 'TimedOut'))",
    );
    expect(statusCondition('cancelled')).toBe(
      "((CallbackStatus = 'cancelled' AND ExecutionStatus NOT IN ('Terminated', 'TimedOut', 'Canceled')) OR ExecutionStatus = 'Canceled')",
    );
    expect(statusCondition('succeeded')).toBe("(CallbackStatus = 'succeeded' AND ExecutionStatus NOT IN ('Terminated', 'TimedOut', 'Canceled'))");
  });

  it('reads scheduled by the time: past its trigger, a callback whose first attempt runs is running', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(statusCondition('scheduled', now)).toBe(
      "CallbackStatus = 'scheduled' AND CallbackTriggerAt > '2026-01-01T12:00:00.000Z' AND ExecutionStatus = 'Running'",
    );
    expect(statusCondition('running', now)).toBe(
      "(CallbackStatus = 'running' OR (CallbackStatus = 'scheduled' AND CallbackTriggerAt <= '2026-01-01T12:00:00.000Z')) AND ExecutionStatus = 'Running'",
    );
  });

  it('finds overdue callbacks among the open ones', () => {
    const query = overdueQuery('orders', Date.parse('2026-01-01T00:01:00Z'), 60_000);
    expect(query).toContain("CallbackStatus IN ('scheduled', 'running')");
    expect(query).toContain("CallbackTriggerAt < '2026-01-01T00:00:00.000Z'");
  });
});

/**
 * The tokens of a visibility query as Temporal's tokenizer reads them (its sqlparser's MySQL rules:
 * a literal ends at an unescaped quote, a doubled quote is one quote, a backslash escapes the next
 * character and `0 b n r t Z` decode to control characters), literals decoded.
 */
function tokenize(query: string): Array<{ literal: string } | { word: string }> {
  const DECODE: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a' };
  const tokens: Array<{ literal: string } | { word: string }> = [];
  let i = 0;
  while (i < query.length) {
    const char = query[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === "'" || char === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= query.length) throw new Error(`unterminated literal in ${JSON.stringify(query)}`);
        const c = query[i]!;
        if (c === char && query[i + 1] === char) {
          value += c;
          i += 2;
        } else if (c === char) {
          i++;
          break;
        } else if (c === '\\') {
          const next = query[i + 1]!;
          value += DECODE[next] ?? next;
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ literal: value });
    } else {
      const word = /^(?:[A-Za-z_][A-Za-z0-9_]*|>=|<=|!=|[=<>(),])/.exec(query.slice(i))?.[0];
      if (!word) throw new Error(`unexpected ${JSON.stringify(char)} in ${JSON.stringify(query)}`);
      tokens.push({ word });
      i += word.length;
    }
  }
  return tokens;
}

const HOSTILE = [
  "it's",
  "' OR '1'='1",
  "x' OR CallbackApp = 'other",
  'back\\slash',
  'trailing backslash\\',
  "\\' OR 1=1 --",
  'double " quote',
  '"; DROP TABLE executions; --',
  'new\nline\r\nand\ttab',
  'control \x1a and \b',
  "unicode ünïcødé 日本語 🎉 \u2028 'quoted'",
  "''",
  '',
];

describe('literals of hostile values', () => {
  it.each(HOSTILE)('keep %j one literal that decodes to itself', (value) => {
    for (const quote of ["'", '"'] as const) {
      expect(tokenize(literal(value, 'query', quote))).toEqual([{ literal: value }]);
    }
  });

  it.each(HOSTILE.filter(Boolean))('keep a listing by app and alias %j to its conditions', (value) => {
    const tokens = tokenize(listQuery(value, { alias: value }));
    expect(tokens).toEqual([
      { word: 'WorkflowType' }, { word: '=' }, { literal: 'delayCallback' }, { word: 'AND' },
      { word: 'CallbackApp' }, { word: '=' }, { literal: value }, { word: 'AND' },
      { word: 'CallbackAlias' }, { word: '=' }, { literal: value },
    ]);
    expect(tokenize(overdueQuery(value, Date.parse('2026-01-01T00:01:00Z'), 60_000))).toContainEqual({ literal: value });
    expect(tokenize(appUiQuery(value))).toEqual([{ word: 'CallbackApp' }, { word: '=' }, { literal: value }]);
  });

  it('refuses a NUL character, naming the field, rather than drop it (which could match another name)', () => {
    const error = (() => {
      try {
        listQuery('orders', { alias: 'ali\0as' });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).details).toEqual([{ field: 'query.alias', message: 'must not contain a NUL character' }]);
  });
});

describe('page tokens', () => {
  const query = listQuery('orders');
  const temporalToken = new Uint8Array([1, 2, 3, 250]);

  it('round-trip Temporal\'s token for the same listing', () => {
    expect([...decodePageToken(query, encodePageToken(query, temporalToken))]).toEqual([...temporalToken]);
  });

  it('keep the moment of the first page, so every page of a listing reads statuses as of it', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const token = encodePageToken(query, temporalToken, now);
    expect(pageTokenTime(token)).toBe(now);
    expect([...decodePageToken(query, token)]).toEqual([...temporalToken]);
    expect(pageTokenTime(encodePageToken(query, temporalToken))).toBeUndefined();
    expect(pageTokenTime('garbage')).toBeUndefined();
  });

  it.each([
    ['garbage', 'not base64 json'],
    ['empty json', Buffer.from('{}').toString('base64url')],
    ['another listing', encodePageToken(listQuery('orders', { status: 'failed' }), temporalToken)],
    ['another app', encodePageToken(listQuery('billing'), temporalToken)],
  ])('refuse %s with VALIDATION_FAILED', (_name, token) => {
    const error = (() => {
      try {
        decodePageToken(query, token);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe('VALIDATION_FAILED');
  });
});

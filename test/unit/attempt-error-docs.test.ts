/** docs/errors.md lists every attempt error code (`lastError.code`) the contract defines, and no other. */
import { describe, expect, it } from 'vitest';
import { ATTEMPT_ERROR_CODES } from '../../workflows/contract.js';
import { docPage } from '../helpers/docs.js';

describe('docs/errors.md', () => {
  it('lists every lastError code', async () => {
    const text = await docPage('errors');
    const section = text.slice(text.indexOf('## Attempt errors'));
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| **'))
      .map((line) => /^\| \*\*([A-Z_]+)\*\*/.exec(line)?.[1]);
    expect(documented.sort()).toEqual([...ATTEMPT_ERROR_CODES].sort());
  });
});

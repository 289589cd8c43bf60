import { describe, expect, it } from 'vitest';

import {
  ArgumentError,
  boolArg,
  describeExecution,
  intArg,
  intListArg,
  objectArg,
  parseParameters,
  parseRef,
  refArg,
  shortHash,
  shorten,
  stringArg
} from '../src/models';

describe('parseRef', () => {
  it('reads bare ids and version references as the server does', () => {
    expect(parseRef('NB-12')).toEqual({ artifactId: 'NB-12' });
    expect(parseRef('NB-12@v3')).toEqual({ artifactId: 'NB-12', version: 3 });
    expect(parseRef('hypothesis-H-89@v03')).toEqual({
      artifactId: 'hypothesis-H-89',
      version: 3
    });
    expect(parseRef('x.y:z_1')).toEqual({ artifactId: 'x.y:z_1' });
  });

  it('refuses what the server refuses', () => {
    for (const bad of ['', '@v1', 'NB-12@v0', 'NB-12@v', 'NB 12', '-x', 'a/b', 'NB@v1234567890', 'x'.repeat(201)]) {
      expect(parseRef(bad)).toBeNull();
    }
  });
});

describe('command arguments', () => {
  it('checks the documented types and says which argument is wrong', () => {
    expect(stringArg({ ref: 'NB-1' }, 'ref')).toBe('NB-1');
    expect(stringArg({}, 'ref')).toBeUndefined();
    expect(() => stringArg({}, 'ref', true)).toThrow(/"ref" is required/);
    expect(() => stringArg({ ref: 3 }, 'ref')).toThrow(ArgumentError);
    expect(intArg({ from: 2 }, 'from', { min: 1 })).toBe(2);
    expect(() => intArg({ from: '2' }, 'from')).toThrow(/must be an integer, not a string/);
    expect(() => intArg({ from: 1.5 }, 'from')).toThrow(/integer/);
    expect(() => intArg({ from: 0 }, 'from', { min: 1 })).toThrow(/between 1/);
    expect(boolArg({ execute: false }, 'execute')).toBe(false);
    expect(() => boolArg({ execute: 'yes' }, 'execute')).toThrow(/true or false/);
    expect(objectArg({ parameters: { fdr: 0.05 } }, 'parameters')).toEqual({ fdr: 0.05 });
    expect(objectArg({ parameters: '{"fdr": 0.05}' }, 'parameters')).toEqual({ fdr: 0.05 });
    expect(() => objectArg({ parameters: [1] }, 'parameters')).toThrow(/JSON object, not a list/);
    expect(() => objectArg({ parameters: '[1]' }, 'parameters')).toThrow(/JSON object/);
    expect(refArg({ ref: 'NB-12@v2' }, 'ref')).toEqual({ artifactId: 'NB-12', version: 2 });
    expect(() => refArg({ ref: '<img src=x>' }, 'ref')).toThrow(/version reference/);
  });
});

describe('cells argument (split-notebook)', () => {
  it('takes a list of distinct cell indices', () => {
    expect(intListArg({ cells: [3, 0] }, 'cells')).toEqual([3, 0]);
    expect(intListArg({}, 'cells')).toBeUndefined();
    expect(() => intListArg({ cells: [] }, 'cells')).toThrow(/at least one cell/);
    expect(() => intListArg({ cells: 2 }, 'cells')).toThrow(/list of cell indices, not a number/);
    expect(() => intListArg({ cells: [1, -1] }, 'cells')).toThrow(/integers from 0\); got -1/);
    expect(() => intListArg({ cells: [1, '2'] }, 'cells')).toThrow(/got "2"/);
    expect(() => intListArg({ cells: [1, 1] }, 'cells')).toThrow(/twice/);
  });
});

describe('parseParameters', () => {
  it('takes an empty text as {} and a JSON object as itself', () => {
    expect(parseParameters('  ')).toEqual({ ok: true, value: {} });
    expect(parseParameters('{"contrast": "AD vs control", "fdr": 0.05}')).toEqual({
      ok: true,
      value: { contrast: 'AD vs control', fdr: 0.05 }
    });
  });

  it('explains what is wrong', () => {
    const notJson = parseParameters('{fdr: 0.05}');
    expect(notJson.ok).toBe(false);
    expect(!notJson.ok && notJson.error).toMatch(/not valid JSON/);
    for (const text of ['[1, 2]', '"x"', '3', 'null']) {
      const r = parseParameters(text);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toMatch(/must be a JSON object/);
    }
  });
});

describe('labels', () => {
  it('describes executions', () => {
    expect(describeExecution({ status: 'not_requested' })).toBe('not executed');
    expect(describeExecution({ status: 'ok', duration_ms: 120 })).toBe('executed in 120 ms');
    expect(describeExecution({ status: 'error', duration_ms: 5, ename: 'ZeroDivisionError', evalue: 'division by zero' }))
      .toBe('executed with an error in 5 ms: ZeroDivisionError: division by zero');
    expect(describeExecution({ status: 'timeout', duration_ms: 60000 })).toMatch(/time limit/);
  });

  it('shortens long labels and hashes', () => {
    expect(shorten('short', 10)).toBe('short');
    expect(shorten('a-very-long-tag-name', 10)).toBe('a-very-lo…');
    expect(shortHash('sha256:0123456789abcdef0123')).toBe('sha256:0123456789ab');
    expect(shortHash(null)).toBe('no hash');
  });
});

import { describe, expect, it } from 'vitest';
import { humanIssueText, isValidatorText } from './problem-text.ts';

describe('humanIssueText', () => {
  it('keeps a message the schema wrote itself', () => {
    expect(humanIssueText({ code: 'too_big', message: 'a port must be from 0 to 65535' }, { key: 'port', found: 70000, foundText: '70000' })).toBe(
      'a port must be from 0 to 65535 (found 70000)',
    );
    expect(isValidatorText('a port must be from 0 to 65535')).toBe(false);
  });

  it('says the bound and the default for a number out of range', () => {
    const issue = { code: 'too_small', origin: 'number', minimum: 0, inclusive: false, message: 'Too small: expected number to be >0' };
    expect(humanIssueText(issue, { key: 'maxItems', found: 0, foundText: '0', defaultValue: 500000 })).toBe(
      'maxItems must be greater than 0 (found 0); set a value in that range; the default is 500000',
    );
    const inclusive = { code: 'too_big', origin: 'number', maximum: 10, inclusive: true, message: 'Too big: expected number to be <=10' };
    expect(humanIssueText(inclusive, { key: 'retries', found: 11, foundText: '11' })).toBe('retries must be at most 10 (found 11); set a value in that range');
  });

  it('says how to write a list, a boolean and a missing key', () => {
    const list = { code: 'invalid_type', expected: 'array', message: 'Invalid input: expected array, received string' };
    expect(humanIssueText(list, { key: 'files', found: 'a.yaml', foundText: '"a.yaml"' })).toMatch(/^files must be a list, not text \(found "a\.yaml"\); .*`files: \["a\.yaml"\]`/);
    const bool = { code: 'invalid_type', expected: 'boolean', message: 'Invalid input: expected boolean, received string' };
    expect(humanIssueText(bool, { key: 'enabled', found: 'no', foundText: '"no"' })).toMatch(/^enabled must be true or false, not text/);
    const missing = { code: 'invalid_type', expected: 'string', message: 'Invalid input: expected string, received undefined' };
    expect(humanIssueText(missing, { key: 'url', found: undefined, foundText: 'nothing', description: 'where to send' })).toBe(
      'url is required here; add `url:` with text (where to send)',
    );
  });

  it('lists the allowed values of an enumeration and the limits of lists and texts', () => {
    const option = { code: 'invalid_value', values: ['a', 'b'], message: 'Invalid option: expected one of "a"|"b"' };
    expect(humanIssueText(option, { key: 'mode', found: 'c', foundText: '"c"', defaultValue: 'a' })).toBe('mode must be one of a, b (found "c"); the default is "a"');
    const shortList = { code: 'too_small', origin: 'array', minimum: 1, inclusive: true, message: 'Too small: expected array to have >=1 items' };
    expect(humanIssueText(shortList, { key: 'targets', found: [], foundText: '[]' })).toBe('targets must list at least 1 item (found [])');
    const shortText = { code: 'too_small', origin: 'string', minimum: 3, inclusive: true, message: 'Too small: expected string to have >=3 characters' };
    expect(humanIssueText(shortText, { key: 'name', found: 'ab', foundText: '"ab"' })).toBe('name must be at least 3 characters long (found "ab")');
  });
});

import { describe, expect, it } from 'vitest';
import { fingerprintMatches, fingerprintOf } from './fingerprint.ts';
import { decideResume, decideRotation, fileIdentity } from './rotation.ts';

const fp = fingerprintOf(Buffer.from('first line\nsecond'), 256)!;

describe('decideRotation', () => {
  const tracked = { identity: '1:10', readOffset: 500, fingerprint: fp };

  it('keeps reading while the path holds the same file and it only grew', () => {
    expect(decideRotation(tracked, { identityAtPath: '1:10', size: 800, headMatches: true })).toEqual({ kind: 'same' });
  });

  it('sees a rename (or deletion) when the path holds another file or none', () => {
    expect(decideRotation(tracked, { identityAtPath: '1:11', size: 800, headMatches: true })).toEqual({ kind: 'moved' });
    expect(decideRotation(tracked, { size: 800, headMatches: true })).toEqual({ kind: 'moved' });
  });

  it('sees copytruncate when the same file shrank below the read offset', () => {
    expect(decideRotation(tracked, { identityAtPath: '1:10', size: 0, headMatches: false })).toEqual({ kind: 'truncated', reason: 'shrunk' });
  });

  it('sees a truncation hidden by fast regrowth through the first bytes', () => {
    expect(decideRotation(tracked, { identityAtPath: '1:10', size: 9000, headMatches: false })).toEqual({ kind: 'truncated', reason: 'rewritten' });
  });

  it('cannot judge the first bytes before there is a fingerprint', () => {
    expect(decideRotation({ identity: '1:10', readOffset: 5 }, { identityAtPath: '1:10', size: 9 })).toEqual({ kind: 'same' });
  });
});

describe('decideResume', () => {
  const entry = { offset: 300, fingerprint: fp };

  it('resumes at the checkpointed offset of the same file', () => {
    expect(decideResume(entry, { size: 400, headMatches: true }, false, 'beginning')).toEqual({ offset: 300, reason: 'checkpoint' });
  });

  it('starts over when the inode now holds another file', () => {
    expect(decideResume(entry, { size: 400, headMatches: false }, false, 'beginning')).toEqual({ offset: 0, reason: 'inode-reused' });
  });

  it('starts over when the file was truncated while the agent was stopped', () => {
    expect(decideResume(entry, { size: 100, headMatches: true }, false, 'end')).toEqual({ offset: 0, reason: 'truncated-while-stopped' });
  });

  it('applies startAt: end on the first run only', () => {
    expect(decideResume(undefined, { size: 400 }, true, 'end')).toEqual({ offset: 400, reason: 'start-at-end' });
    expect(decideResume(undefined, { size: 400 }, false, 'end')).toEqual({ offset: 0, reason: 'new-file' });
    expect(decideResume(undefined, { size: 400 }, true, 'beginning')).toEqual({ offset: 0, reason: 'new-file' });
  });
});

describe('fingerprints', () => {
  it('cover the first line, or maxBytes of a longer one, and wait while the first line is incomplete', () => {
    expect(fingerprintOf(Buffer.from('abc\ndef'), 256)?.bytes).toBe(4);
    expect(fingerprintOf(Buffer.from('a'.repeat(300)), 256)?.bytes).toBe(256);
    expect(fingerprintOf(Buffer.from('partial'), 256)).toBeUndefined();
  });

  it('match the same start and not another', () => {
    expect(fingerprintMatches(fp, Buffer.from('first line\nanything else'))).toBe(true);
    expect(fingerprintMatches(fp, Buffer.from('first lime\n'))).toBe(false);
    expect(fingerprintMatches(fp, Buffer.from('first'))).toBe(false);
  });

  it('file identity is device and inode', () => {
    expect(fileIdentity({ dev: 2049n, ino: 12345678901234567n })).toBe('2049:12345678901234567');
  });
});

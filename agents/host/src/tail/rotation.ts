import type { Fingerprint } from './fingerprint.ts';

/**
 * Rotation decisions, pure. The caller observes (stat of the path, fstat of the open
 * file, the first bytes of the open file) and acts on the answer.
 */

/** A file's identity on this host: `${dev}:${ino}`. */
export type FileIdentity = string;

export function fileIdentity(stat: { dev: number | bigint; ino: number | bigint }): FileIdentity {
  return `${stat.dev}:${stat.ino}`;
}

export interface TrackedView {
  identity: FileIdentity;
  /** offset of the next byte to read */
  readOffset: number;
  fingerprint?: Fingerprint;
}

export interface Observation {
  /** identity of the file now at the tracked path; undefined when the path is gone */
  identityAtPath?: FileIdentity;
  /** size of the open file (fstat) */
  size: number;
  /** whether the open file still starts with its fingerprint; undefined when there is none yet */
  headMatches?: boolean;
}

export type RotationDecision =
  /** keep reading where we are */
  | { kind: 'same' }
  /** the path now names another file or nothing (rename rotation, deletion): read this one to its end, then let go */
  | { kind: 'moved' }
  /** the same file was cut (copytruncate) or rewritten from the start: read it again from 0 */
  | { kind: 'truncated'; reason: 'shrunk' | 'rewritten' };

export function decideRotation(tracked: TrackedView, seen: Observation): RotationDecision {
  if (seen.identityAtPath !== tracked.identity) return { kind: 'moved' };
  if (seen.size < tracked.readOffset) return { kind: 'truncated', reason: 'shrunk' };
  // truncated and written past our offset between two polls: only the first bytes tell
  if (tracked.fingerprint && seen.headMatches === false) return { kind: 'truncated', reason: 'rewritten' };
  return { kind: 'same' };
}

export interface CheckpointEntryView {
  offset: number;
  fingerprint?: Fingerprint;
}

export type ResumeDecision =
  | { offset: number; reason: 'checkpoint' }
  | { offset: 0; reason: 'new-file' | 'inode-reused' | 'truncated-while-stopped' }
  | { offset: number; reason: 'start-at-end' };

/**
 * Where to start reading a file found by a glob. `entry` is the checkpoint entry with the
 * same identity; `headMatches` says whether the file still starts with the entry's
 * fingerprint. startAt: end applies only on the first run (no checkpoint at all), so a
 * file created while the agent was stopped, or after a rotation, is read from its start.
 */
export function decideResume(
  entry: CheckpointEntryView | undefined,
  file: { size: number; headMatches?: boolean },
  firstRun: boolean,
  startAt: 'beginning' | 'end',
): ResumeDecision {
  if (entry) {
    if (entry.fingerprint && file.headMatches === false) return { offset: 0, reason: 'inode-reused' };
    if (entry.offset > file.size) return { offset: 0, reason: 'truncated-while-stopped' };
    return { offset: entry.offset, reason: 'checkpoint' };
  }
  if (firstRun && startAt === 'end') return { offset: file.size, reason: 'start-at-end' };
  return { offset: 0, reason: 'new-file' };
}

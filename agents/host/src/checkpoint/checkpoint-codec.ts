import type { Fingerprint } from '../tail/fingerprint.ts';
import type { FileIdentity } from '../tail/rotation.ts';

/**
 * The checkpoint: for every file being tailed, the offset up to which the collector has
 * acknowledged its lines. Pure encode/decode; the store does the atomic writes.
 */
export interface CheckpointEntry {
  identity: FileIdentity;
  /** the path the file was found at (what log.file.path says), also where to look for it after a rename */
  path: string;
  /** bytes before this offset are acknowledged */
  offset: number;
  fingerprint?: Fingerprint;
}

export interface Checkpoint {
  entries: CheckpointEntry[];
}

export const CHECKPOINT_VERSION = 1;

export function encodeCheckpoint(checkpoint: Checkpoint): string {
  const files = checkpoint.entries.map((e) => ({
    identity: e.identity,
    path: e.path,
    offset: e.offset,
    ...(e.fingerprint ? { fingerprint: { bytes: e.fingerprint.bytes, hash: e.fingerprint.hash } } : {}),
  }));
  return JSON.stringify({ version: CHECKPOINT_VERSION, files }) + '\n';
}

export class CheckpointDecodeError extends Error {
  constructor(where: string, problem: string) {
    super(
      `${where}: ${problem}. The checkpoint is damaged or from another program; ` +
        'restore it, or delete it to start over (files are then read again per their startAt)',
    );
    this.name = 'CheckpointDecodeError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses checkpoint text; `where` names the file in errors. */
export function decodeCheckpoint(text: string, where: string): Checkpoint {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CheckpointDecodeError(where, `not JSON (${(error as Error).message})`);
  }
  if (!isRecord(raw)) throw new CheckpointDecodeError(where, 'expected a JSON object with "version" and "files"');
  if (raw.version !== CHECKPOINT_VERSION) {
    throw new CheckpointDecodeError(where, `version is ${JSON.stringify(raw.version)}, this agent reads version ${CHECKPOINT_VERSION}`);
  }
  if (!Array.isArray(raw.files)) throw new CheckpointDecodeError(where, '"files" must be an array');
  const entries: CheckpointEntry[] = [];
  const seen = new Set<string>();
  raw.files.forEach((file: unknown, i: number) => {
    const at = `files[${i}]`;
    if (!isRecord(file)) throw new CheckpointDecodeError(where, `${at} must be an object`);
    const { identity, path, offset, fingerprint } = file;
    if (typeof identity !== 'string' || !/^\d+:\d+$/.test(identity)) {
      throw new CheckpointDecodeError(where, `${at}.identity must be "<device>:<inode>", got ${JSON.stringify(identity)}`);
    }
    if (seen.has(identity)) throw new CheckpointDecodeError(where, `${at}.identity ${identity} appears twice`);
    seen.add(identity);
    if (typeof path !== 'string' || path === '') throw new CheckpointDecodeError(where, `${at}.path must be a non-empty string`);
    if (!isOffset(offset)) throw new CheckpointDecodeError(where, `${at}.offset must be a non-negative integer, got ${JSON.stringify(offset)}`);
    const entry: CheckpointEntry = { identity, path, offset };
    if (fingerprint !== undefined) {
      if (!isRecord(fingerprint) || !isOffset(fingerprint.bytes) || typeof fingerprint.hash !== 'string' || !/^[0-9a-f]{32}$/.test(fingerprint.hash)) {
        throw new CheckpointDecodeError(where, `${at}.fingerprint must be {"bytes": <integer>, "hash": <32 hex digits>}`);
      }
      entry.fingerprint = { bytes: fingerprint.bytes, hash: fingerprint.hash };
    }
    entries.push(entry);
  });
  return { entries };
}

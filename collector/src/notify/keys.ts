import { createHash } from 'node:crypto';

/**
 * Keys that identify alerts and deliveries. All are pure functions of their inputs, so
 * they come out the same after a restart.
 */

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;
const LABEL_SEPARATOR = 0xff;

/**
 * The fingerprint Alertmanager shows for a label set: FNV-1a 64 over the label names
 * in sorted order, each name and value followed by the byte 0xff, as 16 hex digits.
 * Webhook payloads carry it so receivers can match Lookout's and Alertmanager's ids.
 */
export function labelsFingerprint(labels: Record<string, string>): string {
  let hash = FNV64_OFFSET;
  const add = (byte: number) => {
    hash ^= BigInt(byte);
    hash = (hash * FNV64_PRIME) & MASK64;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const byte of Buffer.from(name, 'utf8')) add(byte);
    add(LABEL_SEPARATOR);
    for (const byte of Buffer.from(labels[name]!, 'utf8')) add(byte);
    add(LABEL_SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * A stable dedup key for an alert: a hash of its labels (all of them by default, so
 * two alerts are the same exactly when Alertmanager would think so), or of the named
 * labels only.
 */
export function dedupKeyOf(labels: Record<string, string>, names?: readonly string[]): string {
  const chosen = (names ?? Object.keys(labels)).filter((name) => labels[name] !== undefined).sort();
  const hash = createHash('sha256');
  for (const name of chosen) hash.update(`${name}\u0000${labels[name]}\u0000`);
  return `lookout-${hash.digest('hex').slice(0, 32)}`;
}

/**
 * The idempotency key of one delivery: one receiver, one alert, one status, one
 * episode. The same notification enqueued again (say after a crash) gets the same key,
 * so end receivers can drop a repeat.
 */
export function deliveryKeyOf(receiver: string, dedupKey: string, status: string, episode: string): string {
  const hash = createHash('sha256').update([receiver, dedupKey, status, episode].join('\u0000'));
  return hash.digest('hex').slice(0, 40);
}

// The agent reads sizes and durations exactly as lookout.yaml does: one parser for both.
export { parseDuration, parseSize } from '@lookout/otlp';

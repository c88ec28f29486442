/** Where a line came from: the stream it belongs to (one tailed file, under the path it was found at). */
export interface LineSource {
  /** the path the file was found at: log.file.path */
  path: string;
  /** its base name: log.file.name */
  name: string;
  /** stream labels from the config, added to each record */
  labels: Readonly<Record<string, string>>;
}

/**
 * The acknowledged position in one content of a file. Lines point at it, so an
 * acknowledgement lands on the right content even after a copytruncate moved that
 * content into a copy.
 */
export class FileCursor {
  /** lines of this content in the buffer, not yet acknowledged */
  inBuffer = 0;
  constructor(public ackedOffset: number) {}
}

/** One line read from a file and not yet acknowledged by the collector. */
export interface TailLine {
  source: LineSource;
  cursor: FileCursor;
  text: string;
  /** byte offsets in the file: [start, end) */
  start: number;
  end: number;
  /** 0 for a whole line, 1.. for parts of a line longer than maxLineBytes */
  part: number;
  continues: boolean;
  /** stable across restarts: the same bytes of the same file get the same id */
  uid: string;
  observedAtMs: number;
}

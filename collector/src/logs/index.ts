export type { LineParser, ParsedLine, ParserOptions } from './record.ts';
export { newRecord, unparsed } from './record.ts';

export { Severity, severityBucket, levelFromWord, pinoSeverityNumber, syslogSeverityNumber } from './severity.ts';
export type { SeverityBucket } from './severity.ts';

export { createJsonParser, parseJsonLine, jsonToAnyValue } from './json-parser.ts';
export type { JsonParserOptions } from './json-parser.ts';
export { createLogfmtParser, parseLogfmtLine } from './logfmt-parser.ts';
export { createAccessLogParser, DAMAGED_FIELD_ATTRIBUTE, parseAccessLogLine, REQUEST_DURATION_ATTRIBUTE } from './access-log-parser.ts';
export { createApacheErrorParser, parseApacheErrorLine } from './apache-error-parser.ts';
export { createSyslogParser, parseSyslogLine } from './syslog-parser.ts';
export { createLog4jParser, parseLog4jLine } from './log4j-parser.ts';
export { compileLogPattern, LogPatternError } from './pattern-parser.ts';
export { parseStackTrace, splitMessageAndStack } from './exception.ts';
export type { ExceptionInfo } from './exception.ts';

export { LOG_FORMATS, DETECTABLE_FORMATS, resolveLogFormat, createFormatParser, parsePlainLine } from './formats.ts';
export type { LogFormat, FormatOptions } from './formats.ts';
export { createFormatDetector } from './format-detector.ts';
export type { FormatDetector, FormatDetection, FormatDetectorOptions } from './format-detector.ts';
export { createStreamParser } from './stream-parser.ts';
export type { StreamParser, StreamParserOptions, StreamParserStats } from './stream-parser.ts';

export { createMultilineJoiner, isContinuation } from './multiline.ts';
export type { MultilineJoiner, MultilineOptions, JoinedEntry, SplitReason } from './multiline.ts';
export { createLogStream, MULTILINE_SPLIT_ATTRIBUTE, MULTILINE_CONTINUED_ATTRIBUTE } from './log-stream.ts';
export type { LogStream, LogStreamOptions } from './log-stream.ts';

export { templateRoute, templateSegment, INVALID_ROUTE } from './route-template.ts';
export { requestFromLogRecord, serviceFromLabels, UNKNOWN_SERVICE } from './request-observation.ts';
export type { LogRequestObservation, StreamLabels } from './request-observation.ts';

export { createSyslogFrameDecoder } from './syslog-framing.ts';
export type {
  SyslogFrameDecoder,
  SyslogFrameDecoderOptions,
  SyslogDecodeResult,
  SyslogFrameError,
  SyslogFraming,
} from './syslog-framing.ts';

export { logParsingSchema, toLogStreamOptions, parseUtcOffset } from './config-schema.ts';
export type { LogParsingConfig } from './config-schema.ts';

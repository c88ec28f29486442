/**
 * Timestamp scanners for the log formats, written as straight-line character scans
 * (no Date parsing, no regexes) because they run once per line on the hot path.
 *
 * Each `scan*` function reads a timestamp starting at `start` and returns nanoseconds
 * since the epoch, or undefined when the text there is not that kind of timestamp; on
 * success it sets `at.end` to the index just past the timestamp (a caller's own small
 * result object: no module state between a scan and its caller).
 * Times written without a zone are read as local time at `utcOffsetMinutes` east of UTC.
 */

const MS_PER_DAY = 86_400_000;
const NS_PER_MS = 1_000_000n;

/** Where a successful scan ended: passed in by the caller, set by the scan. */
export interface ScanEnd {
  end: number;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (day <= DAYS_IN_MONTH[month]!) return true;
  return month === 2 && day === 29 && isLeap(year);
}

function validTime(hour: number, minute: number, second: number): boolean {
  // 60 allows a leap second, as RFC 3339 does
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 60;
}

/** Milliseconds since the epoch of a UTC civil time; no validation. */
export function civilToMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** ms since the epoch (integer) plus nanoseconds inside that ms → bigint nanoseconds. */
export function toNanos(ms: number, subMsNanos: number): bigint {
  const whole = BigInt(ms) * NS_PER_MS;
  return subMsNanos === 0 ? whole : whole + BigInt(subMsNanos);
}

let lastObservedMs = Number.NaN;
let lastObservedNs = 0n;

/** `nowMs` as nanoseconds; remembers the last answer because a batch shares one `now`. */
export function observedNanos(nowMs: number): bigint {
  if (nowMs === lastObservedMs) return lastObservedNs;
  if (!Number.isFinite(nowMs) || nowMs < 0) return 0n;
  const ms = Math.floor(nowMs);
  lastObservedNs = toNanos(ms, Math.round((nowMs - ms) * 1e6));
  lastObservedMs = nowMs;
  return lastObservedNs;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -100_000;
}

/** Two digits at i, or a negative number. */
function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

function four(s: string, i: number): number {
  return digit(s, i) * 1000 + digit(s, i + 1) * 100 + digit(s, i + 2) * 10 + digit(s, i + 3);
}

/** Fraction digits after a '.' or ',' at i-1: sets fracNanos (ns within the second) and returns the end. */
let fracNanos = 0;
function scanFraction(s: string, i: number): number {
  let nanos = 0;
  let digits = 0;
  let c = s.charCodeAt(i) - 48;
  while (c >= 0 && c <= 9) {
    if (digits < 9) {
      nanos = nanos * 10 + c;
      digits++;
    }
    c = s.charCodeAt(++i) - 48;
  }
  if (digits === 0) return -1;
  for (let d = digits; d < 9; d++) nanos *= 10;
  fracNanos = nanos;
  return i;
}

/** Times before 1970 are not representable in OTLP (unsigned nanoseconds): undefined. */
function secondsToNanos(secondsMs: number, fraction: number): bigint | undefined {
  if (secondsMs < 0) return undefined;
  const ms = secondsMs + Math.floor(fraction / 1_000_000);
  return toNanos(ms, fraction % 1_000_000);
}

/**
 * RFC 3339 / ISO 8601 / log4j: `2023-10-11T22:14:15.003Z`, `2015-07-29 17:41:44,747`,
 * `2023-10-11T22:14:15+02:00`, `...+0200`, `...+02`; seconds optional.
 */
export function scanIsoTimestamp(s: string, start: number, utcOffsetMinutes: number, at: ScanEnd): bigint | undefined {
  const year = four(s, start);
  if (year < 0 || s.charCodeAt(start + 4) !== 45 /* - */) return undefined;
  const month = two(s, start + 5);
  if (s.charCodeAt(start + 7) !== 45) return undefined;
  const day = two(s, start + 8);
  const sep = s.charCodeAt(start + 10);
  if (sep !== 84 /* T */ && sep !== 32 /* space */ && sep !== 116 /* t */) return undefined;
  const hour = two(s, start + 11);
  if (s.charCodeAt(start + 13) !== 58 /* : */) return undefined;
  const minute = two(s, start + 14);
  let i = start + 16;
  let second = 0;
  if (s.charCodeAt(i) === 58) {
    second = two(s, i + 1);
    i += 3;
  }
  if (!validDate(year, month, day) || !validTime(hour, minute, second)) return undefined;
  let fraction = 0;
  const f = s.charCodeAt(i);
  if (f === 46 /* . */ || f === 44 /* , */) {
    const end = scanFraction(s, i + 1);
    if (end > 0) {
      fraction = fracNanos;
      i = end;
    }
  }
  let offset = utcOffsetMinutes;
  const z = s.charCodeAt(i);
  if (z === 90 /* Z */ || z === 122 /* z */) {
    offset = 0;
    i++;
  } else if (z === 43 /* + */ || z === 45 /* - */) {
    const oh = two(s, i + 1);
    if (oh >= 0 && oh <= 23) {
      let om = 0;
      let end = i + 3;
      if (s.charCodeAt(end) === 58) {
        om = two(s, end + 1);
        end += 3;
      } else if (digit(s, end) >= 0) {
        om = two(s, end);
        end += 2;
      }
      if (om >= 0 && om <= 59) {
        offset = (z === 45 ? -1 : 1) * (oh * 60 + om);
        i = end;
      }
    }
  }
  at.end = i;
  return secondsToNanos(civilToMs(year, month, day, hour, minute, second) - offset * 60_000, fraction);
}

/** Month abbreviation (`Jan`..`Dec`, any case) at i → 1-12, or 0. */
export function monthAt(s: string, i: number): number {
  const a = s.charCodeAt(i) | 32;
  const b = s.charCodeAt(i + 1) | 32;
  const c = s.charCodeAt(i + 2) | 32;
  switch (a) {
    case 106: // j
      if (b === 97 && c === 110) return 1; // jan
      if (b === 117) return c === 110 ? 6 : c === 108 ? 7 : 0; // jun, jul
      return 0;
    case 102: // f
      return b === 101 && c === 98 ? 2 : 0;
    case 109: // m
      return b === 97 ? (c === 114 ? 3 : c === 121 ? 5 : 0) : 0; // mar, may
    case 97: // a
      if (b === 112 && c === 114) return 4; // apr
      return b === 117 && c === 103 ? 8 : 0; // aug
    case 115: // s
      return b === 101 && c === 112 ? 9 : 0;
    case 111: // o
      return b === 99 && c === 116 ? 10 : 0;
    case 110: // n
      return b === 111 && c === 118 ? 11 : 0;
    case 100: // d
      return b === 101 && c === 99 ? 12 : 0;
    default:
      return 0;
  }
}

/** `hh:mm:ss` at i → seconds of the day, or -1. */
function clock(s: string, i: number): number {
  const h = two(s, i);
  const m = two(s, i + 3);
  const sec = two(s, i + 6);
  if (s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58 || !validTime(h, m, sec)) return -1;
  return (h * 60 + m) * 60 + sec;
}

/** Common Log Format `10/Oct/2000:13:55:36 -0700` (the part inside the brackets). */
export function scanClfTimestamp(s: string, start: number, at: ScanEnd): bigint | undefined {
  const day = two(s, start);
  if (day < 0 || s.charCodeAt(start + 2) !== 47 /* / */) return undefined;
  const month = monthAt(s, start + 3);
  if (month === 0 || s.charCodeAt(start + 6) !== 47) return undefined;
  const year = four(s, start + 7);
  if (year < 0 || s.charCodeAt(start + 11) !== 58 || !validDate(year, month, day)) return undefined;
  const secs = clock(s, start + 12);
  if (secs < 0) return undefined;
  let i = start + 20;
  let fraction = 0;
  if (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44) {
    const end = scanFraction(s, i + 1);
    if (end > 0) {
      fraction = fracNanos;
      i = end;
    }
  }
  let offset = 0;
  if (s.charCodeAt(i) === 32) {
    const sign = s.charCodeAt(i + 1);
    const oh = two(s, i + 2);
    const om = two(s, i + 4);
    if ((sign === 43 || sign === 45) && oh >= 0 && om >= 0) {
      offset = (sign === 45 ? -1 : 1) * (oh * 60 + om);
      i += 6;
    }
  }
  at.end = i;
  return secondsToNanos(daysFromCivil(year, month, day) * MS_PER_DAY + secs * 1000 - offset * 60_000, fraction);
}

/**
 * BSD syslog (RFC 3164) `Oct 11 22:14:15` or `Oct  1 22:14:15`, optionally with a
 * fraction. There is no year: take the latest year in which the date is not more than
 * a day after `nowMs` (so a December line read on January 1st lands in last year).
 */
export function scanBsdTimestamp(s: string, start: number, nowMs: number, utcOffsetMinutes: number, at: ScanEnd): bigint | undefined {
  const month = monthAt(s, start);
  if (month === 0 || s.charCodeAt(start + 3) !== 32) return undefined;
  let day: number;
  const d1 = s.charCodeAt(start + 4);
  if (d1 === 32) day = digit(s, start + 5);
  else day = two(s, start + 4);
  if (day < 1 || day > 31 || s.charCodeAt(start + 6) !== 32) return undefined;
  const secs = clock(s, start + 7);
  if (secs < 0) return undefined;
  let i = start + 15;
  let fraction = 0;
  if (s.charCodeAt(i) === 46) {
    const end = scanFraction(s, i + 1);
    if (end > 0) {
      fraction = fracNanos;
      i = end;
    }
  }
  const ms = inferYear(month, day, secs, nowMs, utcOffsetMinutes);
  if (ms === undefined) return undefined;
  at.end = i;
  return secondsToNanos(ms, fraction);
}

/** UTC ms of month/day/seconds-of-day in the latest year that is not more than a day after now. */
export function inferYear(month: number, day: number, secs: number, nowMs: number, utcOffsetMinutes: number): number | undefined {
  const offsetMs = utcOffsetMinutes * 60_000;
  const safeNow = Number.isFinite(nowMs) ? nowMs : 0;
  const nowYear = new Date(safeNow + offsetMs).getUTCFullYear();
  const latest = safeNow + MS_PER_DAY;
  // Feb 29 may need to go back up to 8 years (e.g. 2096 → 2104 has no leap day in 2100)
  for (let year = nowYear + 1; year >= nowYear - 8; year--) {
    if (!validDate(year, month, day)) continue;
    const ms = daysFromCivil(year, month, day) * MS_PER_DAY + secs * 1000 - offsetMs;
    if (ms <= latest) return ms;
  }
  return undefined;
}

/**
 * Apache error log / ctime: `Sun Dec 04 04:47:44 2005`, `Wed Oct 11 14:32:52.123456 2023`.
 * The weekday is checked for shape only.
 */
export function scanCtimeTimestamp(s: string, start: number, utcOffsetMinutes: number, at: ScanEnd): bigint | undefined {
  if (s.charCodeAt(start + 3) !== 32) return undefined;
  const month = monthAt(s, start + 4);
  if (month === 0 || s.charCodeAt(start + 7) !== 32) return undefined;
  const day = s.charCodeAt(start + 8) === 32 ? digit(s, start + 9) : two(s, start + 8);
  if (s.charCodeAt(start + 10) !== 32) return undefined;
  const secs = clock(s, start + 11);
  if (secs < 0) return undefined;
  let i = start + 19;
  let fraction = 0;
  if (s.charCodeAt(i) === 46) {
    const end = scanFraction(s, i + 1);
    if (end > 0) {
      fraction = fracNanos;
      i = end;
    }
  }
  if (s.charCodeAt(i) !== 32) return undefined;
  const year = four(s, i + 1);
  if (year < 0 || !validDate(year, month, day)) return undefined;
  at.end = i + 5;
  return secondsToNanos(daysFromCivil(year, month, day) * MS_PER_DAY + secs * 1000 - utcOffsetMinutes * 60_000, fraction);
}

/**
 * A time of day alone (`14:32:52.123`, logback's default console layout): the date is
 * the latest day on which that time is not more than an hour after now.
 */
export function scanTimeOfDay(s: string, start: number, nowMs: number, utcOffsetMinutes: number, at: ScanEnd): bigint | undefined {
  const secs = clock(s, start);
  if (secs < 0) return undefined;
  let i = start + 8;
  let fraction = 0;
  const f = s.charCodeAt(i);
  if (f === 46 || f === 44) {
    const end = scanFraction(s, i + 1);
    if (end > 0) {
      fraction = fracNanos;
      i = end;
    }
  }
  const offsetMs = utcOffsetMinutes * 60_000;
  const safeNow = Number.isFinite(nowMs) ? nowMs : 0;
  const localDay = Math.floor((safeNow + offsetMs) / MS_PER_DAY);
  let ms = localDay * MS_PER_DAY + secs * 1000 - offsetMs;
  if (ms > safeNow + 3_600_000) ms -= MS_PER_DAY;
  at.end = i;
  return secondsToNanos(ms, fraction);
}

/**
 * Epoch number of unknown unit → nanoseconds, judged by magnitude: seconds (< 1e11,
 * i.e. before year 5138), milliseconds (< 1e14), microseconds (< 1e17), else nanoseconds.
 */
export function epochToNanos(value: number): bigint | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  if (value < 1e11) {
    const ms = Math.floor(value * 1000);
    return toNanos(ms, Math.round((value * 1000 - ms) * 1e6));
  }
  if (value < 1e14) {
    const ms = Math.floor(value);
    return toNanos(ms, Math.round((value - ms) * 1e6));
  }
  if (value < 1e17) return BigInt(Math.round(value)) * 1000n;
  if (value > 9.2e18) return undefined;
  return BigInt(Math.round(value));
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Any of the forms above, for fields whose format is not known in advance (JSON
 * `time` strings, `<time>` in user patterns). The whole text must be the timestamp.
 */
export function parseAnyTimestamp(text: string, nowMs: number, utcOffsetMinutes: number): bigint | undefined {
  const t = text.length > 0 && text.charCodeAt(0) === 91 /* [ */ && text.endsWith(']') ? text.slice(1, -1) : text;
  if (t.length < 8 || t.length > 64) {
    if (isDigits(t)) return epochToNanos(Number(t));
    return undefined;
  }
  const c0 = t.charCodeAt(0);
  const at: ScanEnd = { end: 0 };
  let ns: bigint | undefined;
  if (c0 >= 48 && c0 <= 57) {
    ns = scanIsoTimestamp(t, 0, utcOffsetMinutes, at);
    if (ns === undefined) ns = scanClfTimestamp(t, 0, at);
    if (ns === undefined) ns = scanTimeOfDay(t, 0, nowMs, utcOffsetMinutes, at);
    if (ns === undefined) {
      const n = Number(t);
      return Number.isFinite(n) && /^\d+(\.\d+)?$/.test(t) ? epochToNanos(n) : undefined;
    }
  } else {
    ns = scanBsdTimestamp(t, 0, nowMs, utcOffsetMinutes, at);
    if (ns === undefined) ns = scanCtimeTimestamp(t, 0, utcOffsetMinutes, at);
  }
  return ns !== undefined && at.end === t.length ? ns : undefined;
}

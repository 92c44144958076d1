package org.hipforge.io.jsonl;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Formats and parses {@code finished_at}: fixed-width UTC ISO-8601 with milliseconds. */
public final class Timestamps {
  // Fixed width so that the strings also sort in time order for people reading the files.
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  public static String format(long epochMillis) {
    return FORMAT.format(Instant.ofEpochMilli(epochMillis));
  }

  /** Parses an ISO-8601 instant (any precision, with 'Z' or an offset); throws on anything else. */
  public static long parse(String text) {
    long fast = parseFixed(text);
    if (fast != Long.MIN_VALUE) {
      return fast;
    }
    try {
      return Instant.parse(text).toEpochMilli();
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(text).toInstant().toEpochMilli();
      } catch (DateTimeParseException e2) {
        try {
          // The older Python scripts wrote naive local ISO times; read them as UTC.
          return java.time.LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e3) {
          throw new IllegalArgumentException("not an ISO-8601 time: '" + text + "'");
        }
      }
    }
  }

  /**
   * The hot path: our own fixed format {@code yyyy-MM-ddTHH:mm:ss.SSSZ}, read without a parser
   * (state files hold millions of these). Returns Long.MIN_VALUE for anything else.
   */
  static long parseFixed(String t) {
    if (t.length() != 24
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || t.charAt(10) != 'T'
        || t.charAt(13) != ':'
        || t.charAt(16) != ':'
        || t.charAt(19) != '.'
        || t.charAt(23) != 'Z') {
      return Long.MIN_VALUE;
    }
    return fromFields(
        digits(t, 0, 4),
        digits(t, 5, 2),
        digits(t, 8, 2),
        digits(t, 11, 2),
        digits(t, 14, 2),
        digits(t, 17, 2),
        digits(t, 20, 3));
  }

  /**
   * {@link #parseFixed(String)} on the ASCII bytes {@code b[from, to)} of a line, without making a
   * String; Long.MIN_VALUE for anything but the fixed format.
   */
  public static long parseFixed(byte[] b, int from, int to) {
    if (to - from != 24
        || b[from + 4] != '-'
        || b[from + 7] != '-'
        || b[from + 10] != 'T'
        || b[from + 13] != ':'
        || b[from + 16] != ':'
        || b[from + 19] != '.'
        || b[from + 23] != 'Z') {
      return Long.MIN_VALUE;
    }
    return fromFields(
        digits(b, from, 4),
        digits(b, from + 5, 2),
        digits(b, from + 8, 2),
        digits(b, from + 11, 2),
        digits(b, from + 14, 2),
        digits(b, from + 17, 2),
        digits(b, from + 20, 3));
  }

  private static long fromFields(
      int year, int month, int day, int hour, int minute, int second, int milli) {
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || day > 31
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59
        || milli < 0) {
      return Long.MIN_VALUE;
    }
    if (day > 28 && day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
      return Long.MIN_VALUE;
    }
    long days = daysFromCivil(year, month, day);
    return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + milli;
  }

  private static int digits(byte[] b, int from, int n) {
    int v = 0;
    for (int i = from; i < from + n; i++) {
      int c = b[i];
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int digits(String t, int from, int n) {
    int v = 0;
    for (int i = from; i < from + n; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
  private static long daysFromCivil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }
}

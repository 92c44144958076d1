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
}

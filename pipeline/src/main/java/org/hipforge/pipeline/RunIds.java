package org.hipforge.pipeline;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/** Makes run ids: sortable UTC time plus a random suffix, safe as a directory name. */
final class RunIds {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private RunIds() {}

  static String newId() {
    return FORMAT.format(ZonedDateTime.now(ZoneOffset.UTC))
        + "-"
        + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xF000));
  }

  static String orNew(String given) {
    if (given == null || given.isBlank()) {
      return newId();
    }
    if (!given.matches("[A-Za-z0-9._-]{1,80}") || given.startsWith(".")) {
      throw new UsageException(
          "--runId must be 1-80 characters of letters, digits, '.', '_' or '-', "
              + "was '"
              + given
              + "'");
    }
    return given;
  }
}

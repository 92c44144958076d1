package org.hipforge.pipeline.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.hipforge.io.util.SafeFiles;
import org.hipforge.io.util.SourceText;

/**
 * The one rule export and report read a source or generated file by: {@link SafeFiles#read}'s (at
 * most {@link #MAX_FILE_BYTES}, checked against the recorded sha256) and {@link SourceText}'s (a
 * Latin-1 source shows as the text describe sent; anything else as UTF-8).
 */
public final class SourceFiles {
  /** Largest file read into a row or a cell (a JSON string holds it): far above any kernel. */
  public static final long MAX_FILE_BYTES = 64L << 20;

  private SourceFiles() {}

  /** The text of {@code fileName} under {@code root}; a {@link SafeFiles.Refused} says why not. */
  public static String readText(Path root, String fileName, String sha256) throws IOException {
    byte[] bytes = SafeFiles.read(root, fileName, MAX_FILE_BYTES, sha256);
    SourceText.Decoded text = SourceText.decode(bytes);
    return text.ok() ? text.text() : new String(bytes, StandardCharsets.UTF_8);
  }
}

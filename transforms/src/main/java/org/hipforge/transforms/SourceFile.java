package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.record.ManifestEntry;

/** A pending manifest entry together with its source text, read and checked. */
public final class SourceFile implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ManifestEntry entry;
  private final String code;
  private final String encoding;

  public SourceFile(ManifestEntry entry, String code) {
    this(entry, code, null);
  }

  /** {@code encoding}: the charset the file was read in when not UTF-8 (e.g. "latin-1"), else null. */
  public SourceFile(ManifestEntry entry, String code, String encoding) {
    this.entry = Objects.requireNonNull(entry, "entry");
    this.code = Objects.requireNonNull(code, "code");
    this.encoding = encoding;
  }

  public ManifestEntry entry() {
    return entry;
  }

  public String code() {
    return code;
  }

  /** The charset the file was read in when it was not UTF-8 ({@code code} is its text); null for UTF-8. */
  public String encoding() {
    return encoding;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourceFile && ((SourceFile) o).entry.equals(entry) && ((SourceFile) o).code.equals(code);
  }

  @Override
  public int hashCode() {
    return entry.hashCode();
  }
}

package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.record.ManifestEntry;

/**
 * A pending manifest entry together with its source text, read and checked.
 *
 * @param entry the manifest entry
 * @param code the source text
 * @param encoding the charset the file was read in when it was not UTF-8 (e.g. "latin-1"; {@code
 *     code} is its text); null for UTF-8
 */
public record SourceFile(ManifestEntry entry, String code, String encoding)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public SourceFile {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(code, "code");
  }

  /** A source read as UTF-8. */
  public SourceFile(ManifestEntry entry, String code) {
    this(entry, code, null);
  }
}

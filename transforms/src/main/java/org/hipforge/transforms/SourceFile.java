package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.record.ManifestEntry;

/** A pending manifest entry together with its source text, read and checked. */
public final class SourceFile implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ManifestEntry entry;
  private final String code;

  public SourceFile(ManifestEntry entry, String code) {
    this.entry = Objects.requireNonNull(entry, "entry");
    this.code = Objects.requireNonNull(code, "code");
  }

  public ManifestEntry entry() {
    return entry;
  }

  public String code() {
    return code;
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

package org.hipforge.io.record;

import java.io.Serializable;

/**
 * One HIP source file known to the dataset: its stable id, relative name, size and content hash.
 *
 * @param id the dense id, {@code >= 0}
 * @param fileName relative to the source root with {@code /} separators ({@link FileNames})
 * @param bytes the file's size, -1 when unknown (manifests imported from the older format)
 * @param sha256 hex SHA-256 of the file's bytes; null for manifests imported from the older format
 */
public record ManifestEntry(long id, String fileName, long bytes, String sha256)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Refuses a negative id and an unsafe file name. */
  public ManifestEntry {
    if (id < 0) {
      throw new IllegalArgumentException("id must be >= 0, was " + id);
    }
    fileName = FileNames.requireSafe(fileName);
  }

  public ManifestEntry withId(long newId) {
    return new ManifestEntry(newId, fileName, bytes, sha256);
  }

  @Override
  public String toString() {
    return "ManifestEntry{id=" + id + ", file_name=" + fileName + ", bytes=" + bytes + "}";
  }
}

package org.hipforge.io.record;

import java.io.Serializable;
import java.util.Objects;

/** One HIP source file known to the dataset: its stable id, relative name, size and content hash. */
public final class ManifestEntry implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long id;
  private final String fileName;
  private final long bytes;
  private final String sha256;

  public ManifestEntry(long id, String fileName, long bytes, String sha256) {
    if (id < 0) {
      throw new IllegalArgumentException("id must be >= 0, was " + id);
    }
    this.id = id;
    this.fileName = FileNames.requireSafe(fileName);
    this.bytes = bytes;
    this.sha256 = sha256;
  }

  public long id() {
    return id;
  }

  public String fileName() {
    return fileName;
  }

  public long bytes() {
    return bytes;
  }

  /** Hex SHA-256 of the file's bytes; null for manifests imported from the older format. */
  public String sha256() {
    return sha256;
  }

  public ManifestEntry withId(long newId) {
    return new ManifestEntry(newId, fileName, bytes, sha256);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ManifestEntry)) {
      return false;
    }
    ManifestEntry that = (ManifestEntry) o;
    return id == that.id
        && bytes == that.bytes
        && fileName.equals(that.fileName)
        && Objects.equals(sha256, that.sha256);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + fileName.hashCode();
  }

  @Override
  public String toString() {
    return "ManifestEntry{id=" + id + ", file_name=" + fileName + ", bytes=" + bytes + "}";
  }
}

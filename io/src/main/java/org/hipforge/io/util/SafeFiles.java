package org.hipforge.io.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import org.hipforge.io.record.FileNames;

/**
 * The one rule for opening a file named by a manifest or a state record under a root directory (the
 * sources, {@code W/out/hip}): every command that reads or writes such a file calls this.
 *
 * <p>A file may be read when its name is safe ({@link FileNames}), its real path (every symlink
 * resolved) lies inside the root's real path, it is a regular file, and it is opened with {@code
 * NOFOLLOW_LINKS} on that real path, so a symlink swapped in after the check fails the open instead
 * of being followed. A symlink that stays inside the root is followed (the manifest scan accepts it
 * too). When the caller knows the SHA-256 the file must have (the manifest's {@code sha256}, a
 * generate record's {@code code_sha256}) a file with other bytes is refused as {@code
 * source_changed}: it is not the file the record was made from.
 *
 * <pre>{@code byte[] code = SafeFiles.read(root, "sub/k.hip", 256 * 1024, manifestSha);}</pre>
 */
public final class SafeFiles {
  /**
   * The categories a refusal carries (the {@code error_msg} categories of the state records);
   * {@code ErrorCategory} registers them from here, so {@code io.util} does not depend on {@code
   * io.llm}.
   */
  public static final String UNSAFE_PATH = "unsafe_path";

  public static final String MISSING = "missing_source";
  public static final String TOO_LARGE = "too_large";
  public static final String CHANGED = "source_changed";

  private SafeFiles() {}

  /** A file the rule refuses: {@link #category} is one of this class's constants. */
  public static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    /** {@link #UNSAFE_PATH}, {@link #MISSING}, {@link #TOO_LARGE} or {@link #CHANGED}. */
    public final String category;

    /** The file's size, for {@link #TOO_LARGE}; else -1. */
    public final long size;

    public Refused(String category, String message, long size) {
      super(message);
      this.category = category;
      this.size = size;
    }
  }

  /**
   * Reads {@code fileName} under {@code root} by the rule of the class comment.
   *
   * @param maxBytes a bigger file is refused as {@link #TOO_LARGE} without reading it
   * @param expectedSha256 hex SHA-256 the bytes must have, or null to skip that check
   * @throws Refused when the rule refuses the file (the message names it and the root)
   * @throws IOException when the file passes the rule but cannot be read
   */
  public static byte[] read(Path root, String fileName, long maxBytes, String expectedSha256)
      throws IOException {
    Path real = resolve(root, fileName);
    byte[] bytes;
    // O_NOFOLLOW: a symlink put in place of the checked file since resolve() fails here (ELOOP).
    try (SeekableByteChannel ch =
        Files.newByteChannel(real, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      long size = ch.size();
      if (size > maxBytes) {
        throw new Refused(
            TOO_LARGE, fileName + " has " + size + " bytes, more than " + maxBytes, size);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // a file that shrinks while read ends the loop at EOF
      }
      bytes =
          buf.position() == buf.capacity()
              ? buf.array()
              : java.util.Arrays.copyOf(buf.array(), buf.position());
    } catch (FileSystemException e) {
      if (Files.isSymbolicLink(real)) {
        throw new Refused(
            UNSAFE_PATH,
            fileName
                + " under "
                + root
                + " became a symlink while it was "
                + "opened; not followed",
            -1);
      }
      throw e;
    }
    requireSha256(fileName, bytes, expectedSha256);
    return bytes;
  }

  /**
   * The real path of {@code fileName} under {@code root}, after checking that it exists, is a
   * regular file and stays inside the root (for callers that hand the path on, e.g. to a digest).
   *
   * @throws Refused {@link #UNSAFE_PATH} for a name or symlink leaving the root or a file that is
   *     not regular, {@link #MISSING} when there is no such file
   */
  public static Path resolve(Path root, String fileName) throws IOException {
    requireSafeName(fileName);
    Path realRoot = realRoot(root);
    Path file = realRoot.resolve(fileName);
    Path real;
    try {
      real = file.toRealPath();
    } catch (NoSuchFileException e) {
      if (Files.isSymbolicLink(file)) {
        throw new Refused(UNSAFE_PATH, fileName + " under " + root + " is a broken symlink", -1);
      }
      throw new Refused(MISSING, "no file " + fileName + " under " + root, -1);
    }
    if (!real.startsWith(realRoot)) {
      throw new Refused(
          UNSAFE_PATH,
          fileName
              + " under "
              + root
              + " is a symlink (or in a symlinked "
              + "directory) leading outside "
              + root
              + "; not followed",
          -1);
    }
    BasicFileAttributes attrs =
        Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isRegularFile()) {
      throw new Refused(UNSAFE_PATH, fileName + " under " + root + " is not a regular file", -1);
    }
    return real;
  }

  /**
   * Where to write {@code fileName} under {@code root}: creates its parent directories and checks
   * that the parent's real path stays inside the root (a symlinked directory leading elsewhere is
   * refused). The returned path's last component is written by rename, which replaces a symlink
   * there instead of following it.
   *
   * @throws Refused {@link #UNSAFE_PATH} when the name or its directory leaves the root
   */
  public static Path forWriting(Path root, String fileName) throws IOException {
    requireSafeName(fileName);
    Files.createDirectories(root);
    Path realRoot = realRoot(root);
    Path file = realRoot.resolve(fileName);
    Path parent = Files.createDirectories(file.getParent()).toRealPath();
    if (!parent.startsWith(realRoot)) {
      throw new Refused(
          UNSAFE_PATH,
          fileName
              + " under "
              + root
              + " is in a symlinked directory "
              + "leading outside "
              + root
              + "; not written",
          -1);
    }
    return parent.resolve(file.getFileName());
  }

  /**
   * Checks {@code fileName} by the name rule ({@link FileNames#problem}) alone: for a root with no
   * symlinks (an object store), where the name is all there is to check.
   *
   * @throws Refused {@link #UNSAFE_PATH} with the reason
   */
  public static void requireSafeName(String fileName) throws Refused {
    String problem = FileNames.problem(fileName);
    if (problem != null) {
      throw new Refused(UNSAFE_PATH, "file_name refused: " + problem, -1);
    }
  }

  /**
   * Checks that {@code bytes} have the SHA-256 {@code expected} (null: no check).
   *
   * @throws Refused {@link #CHANGED} naming the file when they do not
   */
  public static void requireSha256(String fileName, byte[] bytes, String expected) throws Refused {
    if (expected != null && !expected.equals(Hex.sha256(bytes))) {
      throw new Refused(
          CHANGED,
          fileName
              + " changed since it was recorded (its SHA-256 is no "
              + "longer the recorded "
              + expected.substring(0, Math.min(12, expected.length()))
              + "…)",
          -1);
    }
  }

  private static Path realRoot(Path root) throws IOException {
    try {
      return root.toRealPath();
    } catch (NoSuchFileException e) {
      throw new Refused(MISSING, "the directory " + root + " does not exist", -1);
    }
  }
}

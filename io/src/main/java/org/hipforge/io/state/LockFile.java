package org.hipforge.io.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.hipforge.io.util.Hex;

/**
 * A {@link WorkLock}'s file on disk: publishing one (never seen half written) and reading one as it
 * is now ({@link Observed}, with the rule for when it is stale).
 */
final class LockFile {
  private static final AtomicLong TEMP_COUNTER = new AtomicLong();

  private LockFile() {}

  /**
   * Creates {@code file} holding {@code me} unless it exists; readers never see it half written.
   */
  static boolean publishNew(Path file, LockHolder me) throws IOException {
    Path tmp = writeTemp(file, me);
    try {
      Files.createLink(file, tmp);
      return true;
    } catch (FileAlreadyExistsException held) {
      return false;
    } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
      try {
        createWith(file, me);
        return true;
      } catch (FileAlreadyExistsException held) {
        return false;
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Replaces {@code file} with one holding {@code me} in one atomic rename. */
  static void publishReplacing(Path file, LockHolder me) throws IOException {
    Path tmp = writeTemp(file, me);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Creates {@code path} holding {@code me}'s line; fails when it exists. */
  private static void createWith(Path path, LockHolder me) throws IOException {
    Files.write(
        path,
        (me.toJson() + "\n").getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
  }

  private static Path writeTemp(Path file, LockHolder me) throws IOException {
    Path tmp =
        file.resolveSibling(
            file.getFileName() + ".tmp-" + me.token() + "-" + TEMP_COUNTER.incrementAndGet());
    for (int tries = 1; ; tries++) {
      Files.createDirectories(file.getParent());
      try {
        createWith(tmp, me);
        return tmp;
      } catch (NoSuchFileException dirRemoved) {
        if (tries == 3) { // a run that created the empty directory removed it as it ended: again
          throw dirRemoved;
        }
      }
    }
  }

  /** A lock file as read: its holder (null when unreadable), raw bytes and heartbeat. */
  record Observed(LockHolder holder, byte[] bytes, long modifiedMillis) {
    /**
     * The file as it is now, or null when there is none. Content first: opening revalidates NFS
     * attributes.
     */
    static Observed read(Path file) throws IOException {
      try {
        byte[] bytes = Files.readAllBytes(file);
        long modified = Files.getLastModifiedTime(file).toMillis();
        return new Observed(LockHolder.parse(bytes).orElse(null), bytes, modified);
      } catch (NoSuchFileException gone) {
        return null;
      }
    }

    /** The holder's token; for an unreadable file one every reader derives alike from its bytes. */
    String token() {
      if (holder != null) {
        return holder.token();
      }
      return "unreadable" + Hex.sha256(bytes).substring(0, 32);
    }

    boolean isToken(String token) {
      return holder != null && holder.token().equals(token);
    }

    String describe() {
      long now = System.currentTimeMillis();
      return holder != null
          ? holder.describe(now)
          : "an unreadable lock ("
              + bytes.length
              + " bytes, written "
              + LockHolder.ago(now - modifiedMillis)
              + " ago)";
    }

    /**
     * Why the lock is stale ({@link WorkLock}'s class comment), or null when its holder may be
     * alive.
     */
    String staleReason(long nowMillis) {
      if (holder != null && holder.host().equals(LockHolder.thisHost())) {
        Optional<ProcessHandle> process = ProcessHandle.of(holder.pid());
        if (process.isEmpty() || !process.get().isAlive()) {
          return "its process " + holder.pid() + " on this host is gone";
        }
        Optional<Instant> started = process.get().info().startInstant();
        if (holder.pidStartedAtMillis() > 0
            && started.isPresent()
            && Math.abs(started.get().toEpochMilli() - holder.pidStartedAtMillis()) > 2_000) {
          return "pid "
              + holder.pid()
              + " on this host is now another process (started "
              + started.get()
              + ")";
        }
        return null; // alive here: never stale, however old the heartbeat (e.g. a suspended run)
      }
      long age = nowMillis - modifiedMillis;
      if (age > WorkLock.STALE_AFTER_MILLIS) {
        return "its heartbeat is "
            + LockHolder.ago(age)
            + " old (stale after "
            + WorkLock.STALE_AFTER_MILLIS / 1000
            + " s"
            + (holder == null ? "" : "; host " + holder.host() + " is not this one")
            + ")";
      }
      return null;
    }
  }
}

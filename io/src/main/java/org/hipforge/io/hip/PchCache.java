package org.hipforge.io.hip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Precompiled headers for file preambles (the leading {@code #include <...>} lines), one PCH per
 * compiler pass, built on demand and kept on disk for later runs.
 *
 * <p>A PCH of exactly a file's own leading includes is what clang would have parsed anyway, so the
 * verdict cannot change; the file is then compiled with those include lines blanked. For a preamble
 * seen for the first time the longest already-built prefix is used (always at least the empty
 * preamble, i.e. clang's HIP wrapper alone), and the preamble's own PCH is built on its {@value
 * #BUILD_ON_SIGHTING}nd sighting, so one-off preambles never pay a ~0.5 s build.
 *
 * <p>Files are written under a temporary name and renamed into place, so JVMs sharing the directory
 * never read a half-written PCH. A PCH that clang rejects later (a header was updated) is deleted
 * via {@link #invalidate} and rebuilt on demand.
 */
final class PchCache {

  /** The preamble every HIP file has: clang's wrapper plus the HIP runtime header. */
  static final List<String> HIP_RUNTIME = List.of("hip/hip_runtime.h");

  /** See the class comment: the 2nd sighting shows a preamble repeats, so a PCH will pay off. */
  static final int BUILD_ON_SIGHTING = 2;

  /** A PCH build takes ~0.5 s; the bound only stops a wedged compiler. */
  private static final long BUILD_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(300);

  /** Room for clang's output when a build fails (it is only logged in the failure message). */
  private static final int BUILD_OUTPUT_CAP = 16 * 1024;

  /** One preamble's PCHs, one per job, in job order. */
  record Entry(List<String> headers, List<Path> pchs) {}

  private final Path dir;
  private final List<Cc1Job> jobs;
  private final String fingerprint;
  private final int maxEntries;
  private final ConcurrentHashMap<String, CompletableFuture<Entry>> entries =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> sightings = new ConcurrentHashMap<>();
  private final AtomicInteger built = new AtomicInteger();

  PchCache(Path dir, List<Cc1Job> jobs, String fingerprint, int maxEntries) {
    this.dir = dir;
    this.jobs = List.copyOf(jobs);
    this.fingerprint = fingerprint;
    this.maxEntries = maxEntries;
  }

  Path dir() {
    return dir;
  }

  /**
   * Opens (creating it if needed) the cache directory {@code base/hipforge-pch-<hash>}; falls back
   * to a fresh private directory when the shared one is not safely ours (another user's, or
   * writable by others: a planted PCH could change verdicts).
   */
  static Path openDir(Path base, String fingerprint) throws IOException {
    Path shared = base.resolve("hipforge-pch-" + sha256(fingerprint).substring(0, 16));
    Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
    try {
      Files.createDirectories(base);
      Files.createDirectory(shared, PosixFilePermissions.asFileAttribute(owner));
    } catch (FileAlreadyExistsException e) {
      // Reused below if it is safely ours.
    } catch (UnsupportedOperationException e) {
      Files.createDirectories(shared);
      return shared;
    }
    try {
      String me = System.getProperty("user.name");
      boolean mine = Files.getOwner(shared).getName().equals(me);
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(shared);
      boolean othersWrite =
          perms.contains(PosixFilePermission.GROUP_WRITE)
              || perms.contains(PosixFilePermission.OTHERS_WRITE);
      if (Files.isDirectory(shared) && !Files.isSymbolicLink(shared) && mine && !othersWrite) {
        return shared;
      }
    } catch (UnsupportedOperationException e) {
      return shared;
    }
    return Files.createTempDirectory(
        base, "hipforge-pch-private-", PosixFilePermissions.asFileAttribute(owner));
  }

  /**
   * The PCHs to use for a file whose preamble is {@code headers}: the longest prefix that is ready,
   * building the whole preamble first when it is seen for the {@value #BUILD_ON_SIGHTING}nd time;
   * null when not even the empty preamble could be built.
   */
  Entry select(List<String> headers, ExecutorService readers) {
    String fullKey = key(headers);
    int seen = sightings.computeIfAbsent(fullKey, k -> new AtomicInteger()).incrementAndGet();
    Entry full = ready(headers, fullKey);
    if (full != null) {
      return full;
    }
    if (seen >= BUILD_ON_SIGHTING && built.get() < maxEntries) {
      Entry e = build(headers, fullKey, readers, false);
      if (e != null) {
        return e;
      }
    }
    for (int k = headers.size() - 1; k >= 0; k--) {
      List<String> prefix = headers.subList(0, k);
      Entry e = ready(prefix, key(prefix));
      if (e != null) {
        return e;
      }
    }
    return null;
  }

  /** Builds (or finds on disk) the PCHs for {@code headers} and waits for them. */
  Entry ensure(List<String> headers, ExecutorService readers) {
    String k = key(headers);
    Entry e = ready(headers, k);
    return e != null ? e : build(headers, k, readers, true);
  }

  /** Forgets {@code entry} and deletes its files: clang said one of them is stale or corrupt. */
  void invalidate(Entry entry) {
    String k = key(entry.headers());
    entries.remove(k);
    sightings.remove(k);
    for (Path p : entry.pchs()) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // A leftover file is rebuilt over; nothing else to do.
      }
    }
  }

  /** A built entry for {@code headers}, from memory or from an earlier run's files; else null. */
  private Entry ready(List<String> headers, String k) {
    CompletableFuture<Entry> f = entries.get(k);
    if (f != null) {
      return f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
    }
    List<Path> pchs = pchPaths(k);
    for (Path p : pchs) {
      if (!Files.isRegularFile(p)) {
        return null;
      }
    }
    Entry e = new Entry(List.copyOf(headers), pchs);
    entries.putIfAbsent(k, CompletableFuture.completedFuture(e));
    return e;
  }

  /**
   * Builds the entry on this thread unless another thread already is; then it waits for that build
   * when {@code waitForOthers}, else returns null at once so the caller can compile with a shorter
   * prefix instead of idling.
   */
  private Entry build(
      List<String> headers, String k, ExecutorService readers, boolean waitForOthers) {
    CompletableFuture<Entry> mine = new CompletableFuture<>();
    CompletableFuture<Entry> existing = entries.putIfAbsent(k, mine);
    if (existing != null) {
      if (!waitForOthers && !existing.isDone()) {
        return null;
      }
      try {
        return existing.join();
      } catch (RuntimeException failed) {
        return null;
      }
    }
    try {
      Entry e = doBuild(headers, k, readers);
      built.incrementAndGet();
      mine.complete(e);
      return e;
    } catch (IOException | RuntimeException failed) {
      // Remembered as failed: a preamble whose headers do not compile is not retried.
      mine.completeExceptionally(failed);
      return null;
    }
  }

  private Entry doBuild(List<String> headers, String k, ExecutorService readers)
      throws IOException {
    Path header = dir.resolve("p-" + k + ".h");
    StringBuilder text = new StringBuilder();
    for (String h : headers) {
      text.append("#include <").append(h).append(">\n");
    }
    publish(header, text.toString().getBytes(StandardCharsets.UTF_8));
    List<Path> pchs = pchPaths(k);
    long deadline = System.nanoTime() + BUILD_TIMEOUT_NANOS;
    List<BoundedProcess> running = new ArrayList<>();
    List<Path> temps = new ArrayList<>();
    try {
      for (int j = 0; j < jobs.size(); j++) {
        Path tmp = dir.resolve(pchs.get(j).getFileName() + ".tmp-" + UUID.randomUUID());
        temps.add(tmp);
        running.add(
            BoundedProcess.start(
                jobs.get(j).forPch(header, tmp), dir, HipToolchain.ENV, BUILD_OUTPUT_CAP, readers));
      }
      for (int j = 0; j < jobs.size(); j++) {
        BoundedProcess.Outcome o = running.get(j).await(deadline);
        if (!o.ok()) {
          throw new IOException(
              "PCH build for "
                  + headers
                  + " ("
                  + jobs.get(j).label()
                  + ") failed: "
                  + o.output().strip());
        }
      }
      for (int j = 0; j < jobs.size(); j++) {
        moveIntoPlace(temps.get(j), pchs.get(j));
      }
      return new Entry(List.copyOf(headers), pchs);
    } finally {
      for (Path t : temps) {
        Files.deleteIfExists(t);
      }
    }
  }

  /**
   * Creates {@code target} with {@code content} unless it exists. The header is never rewritten:
   * every PCH records its modification time and would be rejected after a rewrite.
   */
  private static void publish(Path target, byte[] content) throws IOException {
    if (Files.isRegularFile(target)) {
      return;
    }
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
    Files.write(tmp, content);
    try {
      // A hard link fails if the target exists, so concurrent JVMs cannot replace each other's.
      Files.createLink(target, tmp);
    } catch (FileAlreadyExistsException e) {
      // Another JVM won the race with the same content.
    } catch (UnsupportedOperationException | IOException e) {
      if (!Files.exists(target)) {
        moveIntoPlace(tmp, target);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void moveIntoPlace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private List<Path> pchPaths(String k) {
    List<Path> out = new ArrayList<>(jobs.size());
    for (int j = 0; j < jobs.size(); j++) {
      out.add(dir.resolve("p-" + k + "-" + jobs.get(j).label() + "-" + j + ".pch"));
    }
    return out;
  }

  private String key(List<String> headers) {
    return sha256(fingerprint + "\u0000" + String.join("\u0000", headers)).substring(0, 24);
  }

  static String sha256(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
  }
}

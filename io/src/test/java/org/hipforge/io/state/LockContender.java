package org.hipforge.io.state;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM of {@link WorkLockTest}: {@code LockContender LOCK GO} prints {@code ready}, spins
 * until the file GO exists, tries the lock once (no wait) and prints {@code won} or {@code held};
 * the winner holds it until its stdin closes, so no contender can find it free later.
 */
@SuppressWarnings("try") // the lock is held, not read
public final class LockContender {
  private LockContender() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Path lock = Path.of(args[0]);
    Path go = Path.of(args[1]);
    out.println("ready");
    while (!Files.exists(go)) {
      java.util.concurrent.locks.LockSupport.parkNanos(100_000); // ~0.1 ms: all start together
    }
    PrintStream quiet =
        new PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    try (WorkLock held = WorkLock.acquire(lock, "contender", "describe", false, quiet)) {
      out.println("won " + ProcessHandle.current().pid());
      while (System.in.read() >= 0) {
        // hold until the test closes stdin
      }
    } catch (WorkLock.HeldException e) {
      out.println("held");
      while (System.in.read() >= 0) {
        // exit with the others
      }
    }
  }
}

package org.hipforge.io.hip;

import java.nio.file.Path;

/**
 * A child JVM for {@link CompileBombSignalTest}: compiles a file that would keep clang busy for
 * many minutes, with the default 60 s limit. Arguments: the PCH cache dir and {@code fork} or
 * {@code plain} (with or without the fork server). Prints {@code compiling} when the compile
 * starts.
 */
public final class CompileBombMain {
  /** ~0.3 s of constexpr evaluation per leaf and pass, 100,001 leaves: hours without a limit. */
  static final String BOMB = bomb(100_000);

  /** A file whose constexpr tree of {@code leaves + 1} leaves takes ~0.3 s per leaf and pass. */
  static String bomb(int leaves) {
    return """
      #include <hip/hip_runtime.h>
      constexpr unsigned long spin(unsigned long n) {
        unsigned long s = 0;
        for (unsigned long i = 0; i < 100000; ++i) s += (i ^ n) % 7;
        return s;
      }
      template <unsigned long N> struct Leaf { static constexpr unsigned long value = spin(N); };
      template <unsigned long Lo, unsigned long Hi> struct Tree {
        static constexpr unsigned long value =
            Tree<Lo, (Lo + Hi) / 2>::value + Tree<(Lo + Hi) / 2 + 1, Hi>::value;
      };
      template <unsigned long I> struct Tree<I, I> {
        static constexpr unsigned long value = Leaf<I>::value;
      };
      static_assert(Tree<0, LEAVES>::value > 0, "never false");
      """
        .replace("LEAVES", Integer.toString(leaves));
  }

  private CompileBombMain() {}

  public static void main(String[] args) {
    HipCompilerConfig config =
        HipCompilerConfig.defaults()
            .with(
                c -> {
                  c.pchCacheDir = Path.of(args[0]);
                  c.forkServer = args[1].equals("fork");
                });
    try (HipCompiler c = HipCompiler.create(HipToolchain.require(), config)) {
      c.prepare();
      System.out.println("compiling");
      System.out.flush();
      CompileResult r = c.compile("bomb.hip", BOMB);
      System.out.println("verdict: " + r.category() + " " + r.firstErrors());
    }
  }
}

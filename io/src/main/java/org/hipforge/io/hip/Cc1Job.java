package org.hipforge.io.hip;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code clang -cc1} job that hipcc runs for a file (the host pass or one device pass), kept as
 * a template so it can be re-aimed at another file or made to use a precompiled header.
 *
 * <p>The template is what {@code hipcc -###} printed for an empty probe file, so calling it
 * directly checks exactly what hipcc checks, minus the Perl wrapper and the clang driver.
 *
 * @param label "host" or the device architecture, e.g. "gfx90a"
 * @param args the template's arguments (its include directories are the sandbox's roots)
 * @param probeDir the probe's directory, replaced by the file's own in {@link #forFile}
 * @param inputIdx where the input file is in {@code args}
 * @param mainFileNameIdx where the {@code -main-file-name} value is, or -1
 * @param syntaxOnlyIdx where {@code -fsyntax-only} is
 * @param wrapperIdx where {@code -include} of clang's HIP wrapper is, or -1
 * @param device true for a device pass (one GPU architecture), false for the host pass
 */
record Cc1Job(
    String label,
    List<String> args,
    String probeDir,
    int inputIdx,
    int mainFileNameIdx,
    int syntaxOnlyIdx,
    int wrapperIdx,
    boolean device) {

  private static final String WRAPPER = "__clang_hip_runtime_wrapper.h";

  /**
   * Makes a template from a job printed by {@code hipcc -###} for {@code probeFile} in {@code
   * probeDir}.
   *
   * @throws IllegalStateException when the job is not a {@code -cc1 -fsyntax-only} job on the probe
   */
  static Cc1Job fromProbe(List<String> printed, Path probeDir, String probeFile) {
    if (printed.size() < 3 || !printed.get(1).equals("-cc1")) {
      throw new IllegalStateException("not a clang -cc1 job: " + printed);
    }
    List<String> args = new ArrayList<>();
    for (String a : printed) {
      // The compilation unit id only names symbols in generated code; it is derived from the
      // probe's random directory, so dropping it keeps the cache key stable across runs.
      if (!a.startsWith("-cuid=")) {
        args.add(a);
      }
    }
    int input = args.size() - 1;
    if (!args.get(input).equals(probeFile)) {
      throw new IllegalStateException("the probe file is not the last argument: " + printed);
    }
    int mainName = args.indexOf("-main-file-name") + 1;
    int syntaxOnly = args.indexOf("-fsyntax-only");
    if (syntaxOnly < 0) {
      throw new IllegalStateException("not a -fsyntax-only job: " + printed);
    }
    int wrapper = -1;
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("-include") && args.get(i + 1).equals(WRAPPER)) {
        wrapper = i;
        break;
      }
    }
    String label = "host";
    boolean device = args.contains("-fcuda-is-device");
    if (device) {
      int cpu = args.indexOf("-target-cpu");
      label = cpu >= 0 && cpu + 1 < args.size() ? args.get(cpu + 1) : "device";
    }
    return new Cc1Job(
        label,
        List.copyOf(args),
        probeDir.toString(),
        input,
        mainName > 0 ? mainName : -1,
        syntaxOnly,
        wrapper,
        device);
  }

  /** The compiler binary the job runs (its first argument). */
  String program() {
    return args.get(0);
  }

  /** True when the job force-includes clang's HIP wrapper, which a PCH can then replace. */
  boolean supportsPch() {
    return wrapperIdx >= 0;
  }

  /** The template with the probe's directory written as {@code <dir>}: a stable cache key. */
  String key() {
    StringBuilder sb = new StringBuilder();
    for (String a : args) {
      sb.append(a.replace(probeDir, "<dir>")).append('\u0000');
    }
    return sb.toString();
  }

  /**
   * The job checking {@code relFile} in {@code dir}, using {@code pch} when not null, seeing only
   * the files of the VFS {@code overlay} and writing its dependency list (system headers included)
   * to {@code depFile} when those are not null (see {@link CompilerSandbox}). With {@code
   * resources} a device pass also generates code ({@code -S -o /dev/null} instead of {@code
   * -fsyntax-only}: the same job hipcc runs for {@code --cuda-device-only -S}) and prints the
   * backend's kernel resource remarks ({@link ResourceRemarks}) without caret lines. The host pass
   * stays syntax-only.
   */
  List<String> forFile(
      Path dir, String relFile, Path pch, Path overlay, Path depFile, boolean resources) {
    List<String> out = retarget(dir, relFile, baseName(relFile));
    if (pch != null) {
      out.set(wrapperIdx, "-include-pch");
      out.set(wrapperIdx + 1, pch.toString());
    }
    List<String> extra = new ArrayList<>(7);
    if (overlay != null) {
      extra.addAll(List.of("-ivfsoverlay", overlay.toString()));
    }
    if (depFile != null) {
      extra.addAll(
          List.of("-dependency-file", depFile.toString(), "-MT", "hipforge", "-sys-header-deps"));
    }
    out.addAll(inputIdx, extra);
    if (resources && device) {
      // Last, because it shifts the indexes after it (the wrapper's and the input's).
      out.set(syntaxOnlyIdx, "-S");
      out.addAll(
          syntaxOnlyIdx + 1,
          List.of("-o", "/dev/null", ResourceRemarks.FLAG, "-fno-caret-diagnostics"));
    }
    return out;
  }

  /**
   * The job that precompiles {@code header} (together with the force-included wrapper) into {@code
   * out}. {@code -fpch-instantiate-templates} does the header's pending template instantiations
   * once, in the PCH, instead of at the end of every file: measured 83 → 38 ms per pass for an
   * empty kernel file.
   */
  List<String> forPch(Path header, Path out) {
    List<String> a =
        retarget(header.getParent(), header.toString(), header.getFileName().toString());
    a.remove(syntaxOnlyIdx);
    a.addAll(
        syntaxOnlyIdx, List.of("-emit-pch", "-fpch-instantiate-templates", "-o", out.toString()));
    return a;
  }

  private List<String> retarget(Path dir, String input, String mainFileName) {
    List<String> out = new ArrayList<>(args.size() + 4);
    String d = dir.toString();
    for (String a : args) {
      out.add(a.contains(probeDir) ? a.replace(probeDir, d) : a);
    }
    out.set(inputIdx, input);
    if (mainFileNameIdx > 0) {
      out.set(mainFileNameIdx, mainFileName);
    }
    return out;
  }

  private static String baseName(String rel) {
    int slash = rel.lastIndexOf('/');
    return slash < 0 ? rel : rel.substring(slash + 1);
  }

  @Override
  public String toString() {
    return label + ": " + String.join(" ", args);
  }
}

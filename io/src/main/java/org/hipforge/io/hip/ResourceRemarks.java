package org.hipforge.io.hip;

import java.util.ArrayList;
import java.util.List;
import org.hipforge.io.record.KernelResources;

/**
 * Reads the AMDGPU backend's {@code -Rpass-analysis=kernel-resource-usage} remarks out of one
 * device pass's compiler output.
 *
 * <p>LLVM 15 (Debian's hipcc 5.2) prints one remark per line, a function's name first, then its
 * resources indented (the backend cannot put newlines in one remark):
 *
 * <pre>
 * k.hip:6:1: remark: Function Name: tile [-Rpass-analysis=kernel-resource-usage]
 * k.hip:6:1: remark:     SGPRs: 6 [-Rpass-analysis=kernel-resource-usage]
 * k.hip:6:1: remark:     VGPRs: 3 [-Rpass-analysis=kernel-resource-usage]
 * k.hip:6:1: remark:     AGPRs: 0 [-Rpass-analysis=kernel-resource-usage]
 * k.hip:6:1: remark:     ScratchSize [bytes/lane]: 0 [-Rpass-analysis=kernel-resource-usage]
 * k.hip:6:1: remark:     Occupancy [waves/SIMD]: 8 [-Rpass-analysis=kernel-resource-usage]
 * k.hip:6:1: remark:     SGPRs Spill: 0 [-Rpass-analysis=kernel-resource-usage]
 * k.hip:6:1: remark:     VGPRs Spill: 0 [-Rpass-analysis=kernel-resource-usage]
 * k.hip:6:1: remark:     LDS Size [bytes/block]: 4096 [-Rpass-analysis=kernel-resource-usage]
 * </pre>
 *
 * <p>Source and caret lines between remarks are ignored. {@code AGPRs} appears only on
 * architectures with accumulation registers (0 otherwise); {@code LDS Size} only for entry
 * functions, which is how a kernel is told from a device function that was not inlined: only
 * kernels are returned (a kernel's numbers already include what its callees use). A function whose
 * name is not a plain symbol is skipped.
 */
public final class ResourceRemarks {

  /** The remark tag; also the flag that asks the backend for the remarks. */
  public static final String TAG = "[-Rpass-analysis=kernel-resource-usage]";

  /** The cc1 flag that turns the remarks on. */
  public static final String FLAG = "-Rpass-analysis=kernel-resource-usage";

  private static final String REMARK = "remark: ";

  private ResourceRemarks() {}

  /** The kernels' resources in {@code output} (one device pass for {@code arch}), in order. */
  public static List<KernelResources> parse(String output, String arch) {
    List<KernelResources> out = new ArrayList<>();
    Partial cur = null;
    int from = 0;
    int n = output.length();
    while (from < n) {
      int eol = output.indexOf('\n', from);
      if (eol < 0) {
        eol = n;
      }
      String line = output.substring(from, eol).stripTrailing();
      from = eol + 1;
      if (!line.endsWith(TAG)) {
        continue;
      }
      int at = line.lastIndexOf(REMARK);
      if (at < 0) {
        continue;
      }
      String body = line.substring(at + REMARK.length(), line.length() - TAG.length()).strip();
      int colon = body.lastIndexOf(": ");
      if (colon < 0) {
        continue;
      }
      String label = body.substring(0, colon);
      String value = body.substring(colon + 2).strip();
      if (label.equals("Function Name")) {
        add(out, cur, arch);
        cur = new Partial(value);
        continue;
      }
      if (cur == null) {
        continue;
      }
      long v;
      try {
        v = Long.parseLong(value);
      } catch (NumberFormatException e) {
        continue;
      }
      switch (label) {
        case "SGPRs" -> cur.sgprs = v;
        case "VGPRs" -> cur.vgprs = v;
        case "AGPRs" -> cur.agprs = v;
        case "ScratchSize [bytes/lane]" -> cur.scratch = v;
        case "Occupancy [waves/SIMD]" -> cur.occupancy = v;
        case "SGPRs Spill" -> cur.sgprSpills = v;
        case "VGPRs Spill" -> cur.vgprSpills = v;
        case "LDS Size [bytes/block]" -> {
          cur.lds = v;
          cur.kernel = true;
        }
        default -> {
          // A label a later LLVM adds: ignored, as unknown keys are elsewhere.
        }
      }
    }
    add(out, cur, arch);
    return out;
  }

  /**
   * {@code output} without its resource remark lines, so the rest reads as the output of a
   * syntax-only pass (the remarks are printed without caret lines, see {@link Cc1Job}).
   */
  public static String strip(String output) {
    if (output.indexOf(TAG) < 0) {
      return output;
    }
    StringBuilder sb = new StringBuilder(output.length());
    int from = 0;
    int n = output.length();
    while (from < n) {
      int eol = output.indexOf('\n', from);
      int end = eol < 0 ? n : eol + 1;
      String line = output.substring(from, eol < 0 ? n : eol);
      if (!line.stripTrailing().endsWith(TAG)) {
        sb.append(output, from, end);
      }
      from = end;
    }
    return sb.toString();
  }

  private static void add(List<KernelResources> out, Partial p, String arch) {
    if (p == null || !p.kernel || !KernelResources.isSymbol(p.name)) {
      return;
    }
    out.add(
        new KernelResources(
            arch,
            p.name,
            toInt(p.vgprs),
            toInt(p.sgprs),
            toInt(p.agprs),
            Math.max(0, p.lds),
            Math.max(0, p.scratch),
            toInt(p.vgprSpills),
            toInt(p.sgprSpills),
            toInt(p.occupancy)));
  }

  private static int toInt(long v) {
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, v));
  }

  /** One function's remarks read so far. */
  private static final class Partial {
    final String name;
    long sgprs;
    long vgprs;
    long agprs;
    long scratch;
    long occupancy;
    long sgprSpills;
    long vgprSpills;
    long lds;
    boolean kernel;

    Partial(String name) {
      this.name = name;
    }
  }
}

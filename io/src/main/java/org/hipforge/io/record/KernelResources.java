package org.hipforge.io.record;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The hardware resources the compiler gave one kernel for one GPU architecture (registers, LDS,
 * scratch, spills, occupancy), as its AMDGPU backend reports them.
 *
 * <p>A list of them is stored in a state record as one compact text value ({@link #format}, {@link
 * #parseList}), one entry per kernel per architecture, entries separated by {@code "; "}:
 *
 * <pre>
 * {@code gfx90a _Z5scaleIfEvPT_S0_i vgprs=3 sgprs=11 agprs=0 lds=0 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=8}
 * </pre>
 *
 * <p>The kernel is the symbol the compiler emitted (the C++ mangled name, or the plain name of an
 * {@code extern "C"} kernel): unique per template instantiation and overload, which a demangled
 * name is not. {@code agprs} is 0 on architectures without accumulation registers (the compiler
 * does not report them there); {@code lds} is bytes per block, {@code scratch} bytes per lane,
 * {@code occupancy} waves per SIMD.
 */
public record KernelResources(
    String arch,
    String kernel,
    int vgprs,
    int sgprs,
    int agprs,
    long ldsBytes,
    long scratchBytes,
    int vgprSpills,
    int sgprSpills,
    int occupancy)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** An architecture as offload archs are spelled, e.g. {@code gfx90a} or {@code gfx90a:xnack+}. */
  private static final Pattern ARCH = Pattern.compile("[A-Za-z0-9_:+-]{1,64}");

  /** A symbol name: no spaces or separators, so the compact text stays one token per field. */
  private static final Pattern SYMBOL = Pattern.compile("[A-Za-z0-9_.$]{1,4096}");

  /** The field names of the compact text, in the order they are written. */
  public static final List<String> FIELDS =
      List.of(
          "vgprs", "sgprs", "agprs", "lds", "scratch", "vgpr_spills", "sgpr_spills", "occupancy");

  /** Refuses an arch or kernel name the compact text cannot hold, and negative counts. */
  public KernelResources {
    if (arch == null || !ARCH.matcher(arch).matches()) {
      throw new IllegalArgumentException("arch must look like gfx90a, was: " + arch);
    }
    if (!isSymbol(kernel)) {
      throw new IllegalArgumentException("kernel must be a symbol name, was: " + kernel);
    }
    if (vgprs < 0
        || sgprs < 0
        || agprs < 0
        || ldsBytes < 0
        || scratchBytes < 0
        || vgprSpills < 0
        || sgprSpills < 0
        || occupancy < 0) {
      throw new IllegalArgumentException(
          "resource counts must be >= 0 for " + kernel + " on " + arch);
    }
  }

  /** True when {@code name} can be stored as a kernel name (see the class comment). */
  public static boolean isSymbol(String name) {
    return name != null && SYMBOL.matcher(name).matches();
  }

  /** This entry in the compact text form of the class comment. */
  public String format() {
    return arch
        + ' '
        + kernel
        + " vgprs="
        + vgprs
        + " sgprs="
        + sgprs
        + " agprs="
        + agprs
        + " lds="
        + ldsBytes
        + " scratch="
        + scratchBytes
        + " vgpr_spills="
        + vgprSpills
        + " sgpr_spills="
        + sgprSpills
        + " occupancy="
        + occupancy;
  }

  /** The compact text of a list: entries joined by {@code "; "}; empty for an empty list. */
  public static String format(List<KernelResources> list) {
    StringBuilder sb = new StringBuilder(list.size() * 110);
    for (KernelResources k : list) {
      if (sb.length() > 0) {
        sb.append("; ");
      }
      sb.append(k.format());
    }
    return sb.toString();
  }

  /**
   * Reads the compact text of {@link #format(List)}; fields may come in any order and unknown
   * {@code key=value} fields are ignored (so a later field does not make older readers fail).
   *
   * @throws IllegalArgumentException naming the entry when one is not in that form
   */
  public static List<KernelResources> parseList(String text) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    List<KernelResources> out = new ArrayList<>();
    for (String entry : text.split(";")) {
      String e = entry.strip();
      if (e.isEmpty()) {
        continue;
      }
      String[] tok = e.split(" +");
      if (tok.length < 2) {
        throw new IllegalArgumentException(
            "kernel resources entry needs '<arch> <kernel> key=value...': " + e);
      }
      long[] v = new long[FIELDS.size()];
      for (int i = 2; i < tok.length; i++) {
        int eq = tok[i].indexOf('=');
        int slot = eq < 0 ? -1 : FIELDS.indexOf(tok[i].substring(0, eq));
        if (slot < 0) {
          continue;
        }
        try {
          v[slot] = Long.parseLong(tok[i].substring(eq + 1));
        } catch (NumberFormatException bad) {
          throw new IllegalArgumentException(
              "kernel resources entry has a non-number " + tok[i] + ": " + e);
        }
      }
      out.add(
          new KernelResources(
              tok[0],
              tok[1],
              toInt(v[0]),
              toInt(v[1]),
              toInt(v[2]),
              v[3],
              v[4],
              toInt(v[5]),
              toInt(v[6]),
              toInt(v[7])));
    }
    return Collections.unmodifiableList(out);
  }

  private static int toInt(long v) {
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
  }

  @Override
  public String toString() {
    return "KernelResources{" + format() + "}";
  }
}

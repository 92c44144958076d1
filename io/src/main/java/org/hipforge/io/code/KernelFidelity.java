package org.hipforge.io.code;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hipforge.io.record.Fidelity;

/**
 * Compares the kernels of generated code with the kernels of its source ({@link KernelSignatures})
 * into a {@link Fidelity}: the round trip source → instruction → code kept what it should.
 *
 * <pre>
 * {@code Fidelity f = KernelFidelity.compare(sourceText, generatedText); double s = f.score();}
 * </pre>
 */
public final class KernelFidelity {
  private KernelFidelity() {}

  public static Fidelity compare(String source, String generated) {
    return compare(KernelSignatures.parse(source), KernelSignatures.parse(generated));
  }

  public static Fidelity compare(
      List<KernelSignatures.Kernel> source, List<KernelSignatures.Kernel> generated) {
    Map<String, KernelSignatures.Kernel> byName = new HashMap<>(generated.size() * 2);
    for (KernelSignatures.Kernel k : generated) {
      byName.putIfAbsent(k.name(), k);
    }
    int names = 0;
    int params = 0;
    int shared = 0;
    int bounds = 0;
    for (KernelSignatures.Kernel s : source) {
      KernelSignatures.Kernel g = byName.get(s.name());
      if (g == null) {
        continue;
      }
      names++;
      if (s.paramTypes().equals(g.paramTypes())) {
        params++;
      }
      if (s.usesShared() == g.usesShared()) {
        shared++;
      }
      if (Objects.equals(s.launchBounds(), g.launchBounds())) {
        bounds++;
      }
    }
    return new Fidelity(source.size(), byName.size(), names, params, shared, bounds);
  }
}

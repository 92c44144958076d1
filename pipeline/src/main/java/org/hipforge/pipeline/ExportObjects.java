package org.hipforge.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hipforge.io.record.Fidelity;
import org.hipforge.io.record.KernelResources;

/** The export's object columns as ordered maps (key order is the written order). */
final class ExportObjects {
  private ExportObjects() {}

  /** The generated file's kernel resources as one object, or null when none were recorded. */
  static Map<String, Object> resources(ExportColumns.Row r) {
    List<KernelResources> list = r.generated() == null ? List.of() : r.generated().resources();
    if (list == null || list.isEmpty()) {
      return null;
    }
    List<Map<String, Object>> kernels = new ArrayList<>();
    for (KernelResources k : list) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("arch", k.arch());
      m.put("kernel", k.kernel());
      m.put("vgprs", k.vgprs());
      m.put("sgprs", k.sgprs());
      m.put("agprs", k.agprs());
      m.put("lds_bytes", k.ldsBytes());
      m.put("scratch_bytes", k.scratchBytes());
      m.put("vgpr_spills", k.vgprSpills());
      m.put("sgpr_spills", k.sgprSpills());
      m.put("occupancy", k.occupancy());
      kernels.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kernels", kernels);
    m.put("vgprs_max", list.stream().mapToInt(KernelResources::vgprs).max().getAsInt());
    m.put("lds_bytes_max", list.stream().mapToLong(KernelResources::ldsBytes).max().getAsLong());
    m.put(
        "scratch_bytes_max",
        list.stream().mapToLong(KernelResources::scratchBytes).max().getAsLong());
    m.put("occupancy_min", list.stream().mapToInt(KernelResources::occupancy).min().getAsInt());
    return m;
  }

  /** The fidelity counts as an ordered map (key order is the written order), or null. */
  static Map<String, Object> fidelity(Fidelity f) {
    if (f == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kernels_source", f.kernelsSource());
    m.put("kernels_generated", f.kernelsGenerated());
    m.put("names_matched", f.namesMatched());
    m.put("params_matched", f.paramsMatched());
    m.put("shared_matched", f.sharedMatched());
    m.put("bounds_matched", f.boundsMatched());
    return m;
  }
}

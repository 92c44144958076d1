package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** How generated code is checked: generate and validate (and demo). */
public interface CompileOptions extends HipforgeOptions {
  @Description(
      "How to check generated code: 'hipcc' (compile for AMD GPU targets with the HIP "
          + "compiler; no GPU needed) or 'none'")
  @Default.String("hipcc")
  String getValidate();

  void setValidate(String value);

  @Description("AMD GPU targets to compile for, comma-separated")
  @Default.String("gfx90a")
  String getOffloadArch();

  void setOffloadArch(String value);

  @Description(
      "Also record each compiled kernel's resource usage per target (VGPRs, SGPRs, AGPRs, "
          + "LDS, scratch, spills, occupancy: the resources_* keys); the device passes then generate "
          + "code instead of only checking syntax. false = syntax check only")
  @Default.Boolean(true)
  Boolean getResources();

  void setResources(Boolean value);
}

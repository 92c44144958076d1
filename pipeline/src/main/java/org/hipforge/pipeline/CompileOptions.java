package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** How generated code is checked: generate and validate (and demo). */
public interface CompileOptions extends HipforgeOptions {
  @Description("How to check generated code: 'hipcc' (compile for AMD GPU targets with the HIP "
      + "compiler; no GPU needed) or 'none'")
  @Default.String("hipcc")
  String getValidate();

  void setValidate(String value);

  @Description("AMD GPU targets to compile for, comma-separated")
  @Default.String("gfx90a")
  String getOffloadArch();

  void setOffloadArch(String value);
}

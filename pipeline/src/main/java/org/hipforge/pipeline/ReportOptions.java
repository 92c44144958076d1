package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** {@code hipforge report}'s flags. */
public interface ReportOptions extends SourceOptions {
  @Description("The page to write (default W/report/index.html)")
  String getOut();

  void setOut(String value);

  @Description("At most this many pairs in the page's table (the first in manifest order)")
  @Default.Integer(1000)
  Integer getMaxPairs();

  void setMaxPairs(Integer value);
}

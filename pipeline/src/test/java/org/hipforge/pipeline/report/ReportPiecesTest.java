package org.hipforge.pipeline.report;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The report's plain-Java pieces: script-safe JSON, repair-round yield, histograms, the inlined
 * library.
 */
class ReportPiecesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void dataJsonHoldsNoCharacterThatCouldEndItsScriptElementAndReadsBackTheSame() throws Exception {
    ObjectNode data = JSON.createObjectNode();
    String hostile = "</script><img src=x onerror=alert(1)> <!-- & \u2028\u2029 \"quoted\" \\ ok";
    data.put("source", hostile);
    String safe = ReportPage.scriptSafeJson(data);
    for (char c : new char[] {'<', '>', '&', '\u2028', '\u2029'}) {
      assertThat(safe + " holds " + (int) c, safe.indexOf(c), is(-1));
    }
    assertThat(JSON.readTree(safe).get("source").asText(), is(hostile));
  }

  @Test
  void markersAreFilledOnceSoInsertedTextIsNeverScannedAgain() {
    String page =
        ReportPage.fill(
            "a /*X*/ b /*Y*/ c", new String[] {"/*X*/", "/*Y*/"}, new String[] {"/*Y*/", "y"});
    assertThat(page, is("a /*Y*/ b y c"));
  }

  @Test
  void histogramsBinValuesAndGiveNearestRankPercentiles() {
    Histogram h = Histogram.latencyMs();
    for (int v : new int[] {50, 120, 120, 900, 70_000}) {
      h.add(v);
    }
    assertThat(h.counts()[0], is(1L));
    assertThat(h.counts()[1], is(2L));
    assertThat(h.counts()[3], is(1L));
    assertThat(h.counts()[9], is(1L));
    assertThat(h.percentile(50), is(120.0));
    assertThat(h.percentile(99), is(70_000.0));
    Histogram score = Histogram.unitScore();
    score.add(1.0);
    score.add(0.95);
    score.add(0.0);
    assertThat(score.counts()[10], is(1L));
    assertThat(score.counts()[9], is(1L));
    assertThat(score.counts()[0], is(1L));
  }

  @Test
  void theChartLibraryComesFromTheWebJarAndCanBeInlined() throws Exception {
    String js = ChartLibrary.script();
    assertThat(js.length() > 500_000, is(true));
    assertThat(js.contains("Apache License, Version 2.0"), is(true));
    assertThat(ChartLibrary.notice().contains("Apache ECharts"), is(true));
  }

  @Test
  void kernelResourcesAreReadFromFlatKeysAndFromTheCompactPerKernelText() throws Exception {
    java.util.Map<String, Histogram> into = new java.util.LinkedHashMap<>();
    ReportData.resources(
        JSON.readTree(
            "{\"id\":1,\"resources_vgprs_max\":24,\"resources_lds_bytes_max\":512,"
                + "\"input_tokens\":9,\"resources_kernels\":\"gfx90a _Z1kv vgprs=3 sgprs=11 agprs=0 lds=0 scratch=0 "
                + "vgpr_spills=0 sgpr_spills=0 occupancy=8; gfx942 _Z1kv vgprs=4 sgprs=12 agprs=0 lds=0 scratch=0 "
                + "vgpr_spills=0 sgpr_spills=0 occupancy=8\"}"),
        into);
    assertThat(into.containsKey("input_tokens"), is(false));
    assertThat(into.get("resources_vgprs_max").percentile(50), is(24.0));
    assertThat(into.get("resources_lds_bytes_max").count(), is(1L));
    assertThat(into.get("vgprs (per kernel)").count(), is(2L));
    assertThat(into.get("sgprs (per kernel)").percentile(100), is(12.0));
  }
}

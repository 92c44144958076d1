package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one Flink REST client against a JobManager stand-in on loopback that answers with the JSON
 * shapes of a Flink 1.19 session cluster ({@code /overview}, {@code /jobs/overview}, {@code
 * /jobs/<jid>/accumulators} with Beam's {@code __metricscontainers}), as RunnerDefaults and the
 * rate share use it.
 */
class FlinkRestTest {
  private static final String OVERVIEW =
      "{\"taskmanagers\":2,\"slots-total\":4,\"slots-available\":4,"
          + "\"jobs-running\":0,\"jobs-finished\":3,\"jobs-cancelled\":0,\"jobs-failed\":0,"
          + "\"flink-version\":\"1.19.0\",\"flink-commit\":\"eaffd22\"}";

  private HttpServer server;
  private String master;
  private final Map<String, String> bodies = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> asked = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          asked.computeIfAbsent(path, p -> new AtomicLong()).incrementAndGet();
          String body = bodies.get(path);
          byte[] bytes =
              (body == null ? "{\"errors\":[\"Not found: " + path + "\"]}" : body)
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
          exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    master = "127.0.0.1:" + server.getAddress().getPort();
    FlinkRest.forgetOverviews();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    FlinkRest.forgetOverviews();
  }

  @Test
  void theClustersSlotsBecomeTheParallelismAndItsOverviewIsAskedOncePerRun() throws Exception {
    bodies.put("/overview", OVERVIEW);

    List<String> args = List.of(RunnerDefaults.apply(new String[] {"--flinkMaster=" + master}));
    double share =
        CommandSupport.rateShare(
            TestCorpus.options(args.toArray(new String[0])), new TestCorpus.Captured().out);

    assertThat(args, hasItem("--parallelism=4"));
    assertThat(args, hasItem("--runner=FlinkRunner"));
    assertThat("two TaskManagers share the provider's limits", share, is(0.5));
    assertThat(FlinkRest.overview(master), is(new FlinkRest.Overview("1.19.0", 2, 4)));
    assertThat(
        "the rate share reads the engine defaults' answer", asked.get("/overview").get(), is(1L));
  }

  @Test
  void aGivenParallelismSkipsTheQuestionAndEmbeddedFlinkIsNoCluster() throws Exception {
    List<String> args =
        List.of(RunnerDefaults.apply(new String[] {"--flinkMaster=" + master, "--parallelism=3"}));
    List<String> local = List.of(RunnerDefaults.apply(new String[] {}));

    assertThat(args, not(hasItem("--parallelism=4")));
    assertThat(asked.containsKey("/overview"), is(false));
    assertThat(local, hasItem("--flinkMaster=[local]"));
    assertThat(
        FlinkRest.clusterOf(TestCorpus.options(local.toArray(new String[0]))), is(nullValue()));
    assertThat(
        FlinkRest.clusterOf(TestCorpus.options("--runner=DirectRunner", "--flinkMaster=" + master)),
        is(nullValue()));
    assertThat(
        FlinkRest.clusterOf(TestCorpus.options("--runner=FlinkRunner", "--flinkMaster=" + master)),
        is(master));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "no /overview (HTTP 404)|| answered HTTP 404, not like a Flink JobManager",
        "JSON without the JobManager's fields|{\"status\":\"ok\"}| answered, but not like a Flink JobManager",
        "not JSON at all|<html>hello</html>| answered, but not like a Flink JobManager"
      })
  void anAddressThatAnswersUnlikeAJobManagerIsAUsageErrorNamingIt(
      String what, String body, String expected) {
    if (body != null) {
      bodies.put("/overview", body);
    }

    UsageException e =
        assertThrows(
            UsageException.class,
            () -> RunnerDefaults.apply(new String[] {"--flinkMaster=" + master}));

    assertThat(
        e.getMessage(),
        containsString("--flinkMaster=" + master + ": http://" + master + "/overview " + expected));
    assertThat(e.getMessage(), containsString("--parallelism=N skips this check"));
  }

  @Test
  void anAddressWhereNothingListensIsAUsageErrorAndTheRateShareFallsBackToOne() throws Exception {
    String nobody;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      nobody = "127.0.0.1:" + s.getLocalPort();
    }
    TestCorpus.Captured out = new TestCorpus.Captured();

    UsageException e =
        assertThrows(
            UsageException.class,
            () -> RunnerDefaults.apply(new String[] {"--flinkMaster=" + nobody}));
    double share =
        CommandSupport.rateShare(
            TestCorpus.options("--runner=FlinkRunner", "--flinkMaster=" + nobody), out.out);

    assertThat(
        e.getMessage(),
        containsString("no Flink JobManager answers at http://" + nobody + "/overview ("));
    assertThat(share, is(1.0));
    assertThat(
        out.text(), containsString("could not ask " + nobody + " how many TaskManagers it has"));
  }

  @Test
  void theRunningJobIsTheNewestUnfinishedOneOfItsNameAndItsBeamCountersAreSummed()
      throws Exception {
    bodies.put(
        "/jobs/overview",
        "{\"jobs\":["
            + job("a1", "hipforge-describe-r1", "FAILED", 100)
            + ","
            + job("b2", "hipforge-describe-r1", "RUNNING", 200)
            + ","
            + job("c3", "hipforge-describe-r1", "RUNNING", 150)
            + ","
            + job("d4", "hipforge-generate-r1", "RUNNING", 300)
            + "]}");
    String metrics =
        "{\"metrics\":{\"attempted\":["
            + counter("org.hipforge.transforms.CallLlm", "requests_sent", 300)
            + ","
            + counter("org.hipforge.transforms.CallLlm", "requests_sent", 5)
            + ","
            + counter("org.hipforge.transforms.ValidateHip", "compiled", 1)
            + ","
            + "{\"urn\":\"beam:metric:user:distribution_int64:v1\",\"payload\":\"AQ==\",\"labels\":"
            + "{\"NAMESPACE\":\"org.hipforge.transforms.CallLlm\",\"NAME\":\"latency\"}}]}}";
    bodies.put(
        "/jobs/b2/accumulators",
        "{\"job-accumulators\":[],\"user-task-accumulators\":["
            + "{\"name\":\"other\",\"type\":\"LongCounter\",\"value\":\"7\"},"
            + "{\"name\":\"__metricscontainers\",\"type\":\"MetricsAccumulator\",\"value\":"
            + com.fasterxml.jackson.databind.node.TextNode.valueOf(metrics)
            + "}],"
            + "\"serialized-user-task-accumulators\":{}}");

    try (FlinkRest rest = new FlinkRest(master)) {
      String jid = rest.runningJob("hipforge-describe-r1");

      assertThat(jid, is("b2"));
      assertThat(rest.runningJob("hipforge-validate-r1"), is(nullValue()));
      assertThat(
          rest.beamCounters(jid),
          is(Map.of("CallLlm.requests_sent", 305L, "ValidateHip.compiled", 1L)));
    }
  }

  private static String job(String jid, String name, String state, long start) {
    return "{\"jid\":\""
        + jid
        + "\",\"name\":\""
        + name
        + "\",\"start-time\":"
        + start
        + ",\"end-time\":-1,"
        + "\"duration\":10,\"state\":\""
        + state
        + "\",\"last-modification\":"
        + start
        + ",\"tasks\":{\"running\":1}}";
  }

  /** A Beam monitoring info of an int64 sum: the value is a base64 unsigned varint. */
  private static String counter(String namespace, String name, long value) throws IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    org.apache.beam.sdk.util.VarInt.encode(value, b);
    return "{\"urn\":\"beam:metric:user:sum_int64:v1\",\"type\":\"beam:metrics:sum_int64:v1\",\"payload\":\""
        + Base64.getEncoder().encodeToString(b.toByteArray())
        + "\",\"labels\":{\"PTRANSFORM\":\"CallLlm/ParDo\","
        + "\"NAMESPACE\":\""
        + namespace
        + "\",\"NAME\":\""
        + name
        + "\"}}";
  }
}

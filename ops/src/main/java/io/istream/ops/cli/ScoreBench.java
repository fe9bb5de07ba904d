package io.istream.ops.cli;

import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import io.istream.features.sequence.BehaviorSequence;
import io.istream.scorer.Scorer;
import io.istream.trainer.data.Batch;
import io.istream.trainer.data.Batches;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelOptions;
import io.istream.trainer.model.ModelKind;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code istream bench score}: the scorer's latency for one request (T behaviours, N candidates) with DIEN at
 * the reference size of docs/model.md, single-threaded, and the requests/s of one scorer per core.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Scoring latency p50/p99/p999 per request and requests/s, DIEN at the reference size.")
final class ScoreBench implements Callable<Integer> {

    @Option(names = "--candidates", split = ",", defaultValue = "100,200",
            description = "Candidates per request, one case each (default: ${DEFAULT-VALUE}).")
    int[] candidateCounts;

    @Option(names = "--history", defaultValue = "100", description = "Behaviours per user, T (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--requests", defaultValue = "2000",
            description = "Timed requests per case, after 200 warm-up ones (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--threads", defaultValue = "2",
            description = "Scorers in parallel (each with its own model copy) for requests/s (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--model-threads", defaultValue = "1",
            description = "Threads one request's DIEN layers may use in the latency cases, as scorer.model-threads"
                    + " (default: ${DEFAULT-VALUE}).")
    int modelThreads;

    @Option(names = "--model", defaultValue = "dien", description = "base, din or dien (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--form", defaultValue = "default", description = "The model's form: default (the shipped"
            + " defaults) or paper (the papers' forms) (default: ${DEFAULT-VALUE}).")
    String form;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    private static final int ITEMS = 50_000;
    private static final int CATEGORIES = 800;

    @Override
    public Integer call() throws Exception {
        ModelKind kind = ModelKind.valueOf(model.toUpperCase(Locale.ROOT));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("command", "bench score");
        out.put("model", kind.name());
        out.put("form", form);
        out.put("history", history);
        out.put("modelThreads", modelThreads);
        out.put("ompThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        BlasReport.printAndRecord(out);   // the products' kernels: ops/istream picks them from the CPU
        List<Map<String, Object>> cases = new ArrayList<>();
        for (int candidates : candidateCounts) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("candidates", candidates);
            long[] gc = new long[2];
            double[] latencyMs = latencies(kind, candidates, requests, 1, gc);
            c.put("garbageCollections", gc[0]);
            c.put("collectionMs", gc[1]);
            Arrays.sort(latencyMs);
            c.put("p50Ms", quantile(latencyMs, 0.5));
            c.put("p99Ms", quantile(latencyMs, 0.99));
            c.put("p999Ms", quantile(latencyMs, 0.999));
            c.put("singleThreadRequestsPerSecond", requests / (Arrays.stream(latencyMs).sum() / 1000));
            if (kind == ModelKind.DIEN) {
                double[] hitMs = cacheHitLatencies(candidates, requests);
                Arrays.sort(hitMs);
                c.put("cacheHitP50Ms", quantile(hitMs, 0.5));
                c.put("cacheHitP99Ms", quantile(hitMs, 0.99));
                System.out.printf(Locale.ROOT, "%s, T=%d, %d candidates, interest states from the scorer's cache: "
                        + "p50 %.2f ms, p99 %.2f ms%n", kind, history, candidates, c.get("cacheHitP50Ms"),
                        c.get("cacheHitP99Ms"));
            }
            double throughput = throughput(kind, candidates, threads);
            c.put("threads", threads);
            c.put("requestsPerSecond", throughput);
            System.out.printf(Locale.ROOT, "%s, T=%d, %d candidates: latency p50 %.2f ms, p99 %.2f ms, p999 %.2f ms "
                            + "(one at a time, %d model threads, %d requests; %d garbage collections, %d ms, during "
                            + "them); %.0f requests/s with %d scorers%n",
                    kind, history, candidates, c.get("p50Ms"), c.get("p99Ms"), c.get("p999Ms"), modelThreads,
                    requests, gc[0], gc[1], throughput, threads);
            cases.add(c);
        }
        out.put("cases", cases);
        System.out.println("target: p99 <= 10 ms for 200 candidates");
        FiguresFile.write(json, out);
        return 0;
    }

    /** {collections, milliseconds collecting} of every collector of this JVM so far. */
    static long[] collections() {
        long count = 0;
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            ms += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, ms};
    }

    /** A model whose tables know every id of the bench (as a trained one would), with Dice statistics at rest. */
    CtrModel model(ModelKind kind) {
        CtrModel m = new CtrModel((ModelOptions.parseForm(form) == ModelOptions.Form.PAPER ? ModelConfig.paper(kind)
                : ModelConfig.builder(kind)).build());
        Batch vocabulary = Batches.synthetic(256, 100, true, ITEMS, CATEGORIES, 3);
        for (int i = 0; i < 8; i++) {
            m.countOccurrences(Batches.synthetic(256, 100, true, ITEMS, CATEGORIES, 3 + i));
        }
        m.forward(vocabulary, false);
        return m;
    }

    static ScoreRequest request(SplittableRandom random, int candidates) {
        List<ItemRef> items = new ArrayList<>(candidates);
        for (int i = 0; i < candidates; i++) {
            long item = 1 + random.nextInt(ITEMS);
            items.add(new ItemRef(item, 1 + item % CATEGORIES));
        }
        return new ScoreRequest("bench", 1L + random.nextInt(1_000_000), items, Long.MAX_VALUE);
    }

    BehaviorSequence sequence(SplittableRandom random) {
        BehaviorSequence s = new BehaviorSequence();
        for (int t = 0; t < history; t++) {
            long item = 1 + random.nextInt(ITEMS);
            s.insert(item, 1 + item % CATEGORIES, (byte) 0, t);
        }
        return s;
    }

    private double[] latencies(ModelKind kind, int candidates, int count, long seed, long[] gcDuring)
            throws Exception {
        CtrModel m = model(kind);
        m.setThreads(modelThreads);
        return timed(m, candidates, count, seed, null, gcDuring);
    }

    /**
     * Warms up, waits at {@code start} (when given), then times {@code count} requests one by one; {@code gcDuring}
     * (when given) gets the collections and milliseconds collecting of the whole JVM while they ran.
     */
    private double[] timed(CtrModel m, int candidates, int count, long seed,
                           java.util.concurrent.CyclicBarrier start, long[] gcDuring) throws Exception {
        Scorer scorer = new Scorer(history);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 200; i++) {
            scorer.score(m, 1, 0, request(random, candidates), sequence(random), 0);
        }
        if (start != null) {
            start.await();
        }
        double[] out = new double[count];
        long[] gcBefore = collections();
        for (int i = 0; i < count; i++) {
            ScoreRequest r = request(random, candidates);
            BehaviorSequence s = sequence(random);
            long begin = System.nanoTime();
            scorer.score(m, 1, 0, r, s, 0);
            out[i] = (System.nanoTime() - begin) / 1e6;
        }
        if (gcDuring != null) {
            long[] gcAfter = collections();
            gcDuring[0] = gcAfter[0] - gcBefore[0];
            gcDuring[1] = gcAfter[1] - gcBefore[1];
        }
        return out;
    }

    /**
     * Latency when the user's interest-extractor states are cached (a user asking again before a new behaviour or
     * model version): 100 users, each request after the first of its user a hit.
     */
    private double[] cacheHitLatencies(int candidates, int count) {
        CtrModel m = model(ModelKind.DIEN);
        m.setThreads(modelThreads);
        Scorer scorer = new Scorer(history, 1_000);
        SplittableRandom random = new SplittableRandom(7);
        int users = 100;
        BehaviorSequence[] sequences = new BehaviorSequence[users];
        for (int u = 0; u < users; u++) {
            sequences[u] = sequence(random);
        }
        for (int i = 0; i < 200 + users; i++) {
            int u = i % users;
            scorer.score(m, 1, 0, requestFor(random, candidates, u + 1), sequences[u], 0);
        }
        long hitsBefore = scorer.cacheHits();
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            int u = random.nextInt(users);
            ScoreRequest r = requestFor(random, candidates, u + 1);
            long begin = System.nanoTime();
            scorer.score(m, 1, 0, r, sequences[u], 0);
            out[i] = (System.nanoTime() - begin) / 1e6;
        }
        if (scorer.cacheHits() - hitsBefore != count) {
            throw new IllegalStateException("expected every timed request to hit the cache");
        }
        return out;
    }

    private static ScoreRequest requestFor(SplittableRandom random, int candidates, long user) {
        ScoreRequest r = request(random, candidates);
        r.setUserId(user);
        return r;
    }

    /** Requests/s of {@code scorers} threads, each with its own model, timed after all have warmed up. */
    private double throughput(ModelKind kind, int candidates, int scorers) throws Exception {
        int perThread = Math.max(100, requests / 2);
        List<CtrModel> models = new ArrayList<>();
        for (int t = 0; t < scorers; t++) {
            models.add(model(kind));
        }
        ExecutorService pool = Executors.newFixedThreadPool(scorers);
        java.util.concurrent.CyclicBarrier ready = new java.util.concurrent.CyclicBarrier(scorers + 1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < scorers; t++) {
                CtrModel m = models.get(t);
                long seed = 100 + t;
                done.add(pool.submit(() -> timed(m, candidates, perThread, seed, ready, null)));
            }
            ready.await();
            long start = System.nanoTime();
            for (Future<?> f : done) {
                f.get();
            }
            // request generation (random candidates and histories) is inside the wall time, as decoding would be
            return scorers * (double) perThread / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double quantile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}

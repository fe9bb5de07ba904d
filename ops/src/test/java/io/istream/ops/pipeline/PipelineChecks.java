package io.istream.ops.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.avro.ItemRef;
import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.avro.ScoreRequest;
import io.istream.avro.ScoredCandidates;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.Topics;
import io.istream.trainer.streaming.StreamingTrainer;
import io.istream.trainer.updates.ModelFollower;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the failure tests send and check on the topics: exactly-once samples, histories, model and answers. */
final class PipelineChecks {
    private static final int T = 100;
    private static final long CLOCK_USER_BASE = 800_000_000L;

    private PipelineChecks() {
    }

    /** A script cut at its middle event's time: the first half goes before a disruption, the rest after it. */
    record Halves(EventScript script, long splitMs, long endMs) {
        static Halves of(EventScript script) {
            List<TimedEvent> events = script.events();
            return new Halves(script, events.get(events.size() / 2).eventTimeMs(),
                    events.get(events.size() - 1).eventTimeMs());
        }

        void publishFirst(KafkaConnection kafka) {
            publishAll(kafka, script.events().stream().filter(e -> e.eventTimeMs() < splitMs).toList());
        }

        /** The rest, then event time 3 h past the end on every partition: every label is released. */
        void publishRestAndClock(KafkaConnection kafka) {
            publishAll(kafka, script.events().stream().filter(e -> e.eventTimeMs() >= splitMs).toList());
            publishClock(kafka, endMs + Duration.ofHours(3).toMillis());
        }
    }

    static void publishAll(KafkaConnection kafka, List<TimedEvent> events) {
        try (EventPublisher publisher = new EventPublisher(kafka, ValidationLimits.defaults())) {
            for (TimedEvent e : events) {
                publisher.publish(e.event());
            }
            publisher.flush();
        }
    }

    /**
     * Moves event time to {@code timeMs} on every partition of every input topic (the watermark is the minimum over
     * all of them): an impression, its click and a behaviour of each of 16 otherwise unknown users. Their own
     * impressions stay pending (the watermark stays just behind them), so they add no samples.
     */
    static void publishClock(KafkaConnection kafka, long timeMs) {
        try (EventPublisher publisher = new EventPublisher(kafka, ValidationLimits.defaults())) {
            for (int u = 0; u < 16; u++) {
                long user = CLOCK_USER_BASE + u;
                publisher.publish(new Impression("clock-" + user, user, 1L, 1L, timeMs, null));
                publisher.publish(new Click("clock-" + user, user, 1L, timeMs + 10));
                publisher.publish(new Behavior(user, 1L, 1L, BehaviorType.CLICK, timeMs));
            }
            publisher.flush();
        }
    }

    /** One request for each of the script's first 20 users, ids {@code prefix-user}. */
    static void sendRequests(KafkaConnection kafka, EventScript script, String prefix, long timeMs) {
        Set<Long> users = new HashSet<>();
        List<ItemRef> items = new ArrayList<>();
        for (TimedEvent e : script.events()) {
            if (e.event() instanceof Impression i && items.size() < 5) {
                items.add(new ItemRef(i.getItemId(), i.getCategoryId()));
            }
        }
        try (EventPublisher publisher = new EventPublisher(kafka, ValidationLimits.defaults())) {
            for (TimedEvent e : script.events()) {
                if (users.size() < 20 && users.add(e.userId())) {
                    publisher.publish(new ScoreRequest(prefix + "-" + e.userId(), e.userId(), items, timeMs));
                }
            }
            publisher.flush();
        }
    }

    static List<ScoredCandidates> awaitAnswers(KafkaConnection kafka, int count, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ScoredCandidates> answers = List.of();
        while (System.nanoTime() < deadline) {
            answers = KafkaTestSupport.readCommitted(kafka, Topics.SCORED_CANDIDATES);
            if (answers.size() >= count) {
                return answers;
            }
            Thread.sleep(300);   // poll interval: a topic gives no notice when a record is committed
        }
        throw new AssertionError("only " + answers.size() + " of " + count + " answers within " + timeout);
    }

    /** The model rebuilt from the topic once it has at least {@code samples} samples and stopped changing for 3 s. */
    static ModelFollower awaitSettledModel(KafkaConnection kafka, long samples, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastVersion = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            ModelFollower follower = new ModelFollower();
            KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES).forEach(follower::accept);
            if (follower.version() != lastVersion) {
                lastVersion = follower.version();
                stableSince = System.nanoTime();
            } else if (follower.samplesTrained() >= samples && follower.samplesTrained() > 0
                    && System.nanoTime() - stableSince > Duration.ofSeconds(3).toNanos()) {
                return follower;
            }
            Thread.sleep(300);   // poll interval: a topic gives no notice when a record is committed
        }
        throw new AssertionError("the model did not settle at " + samples + " samples within " + timeout
                + " (version " + lastVersion + ")");
    }

    /**
     * Every impression of the script is exactly one sample, clicked ones positive, each history the user's newest T
     * behaviours strictly before the impression; the model's versions are consecutive and it trained every sample
     * exactly once. Returns the samples.
     */
    static List<Sample> assertExactlyOnce(KafkaConnection kafka, EventScript script, ModelFollower model) {
        List<Sample> samples = KafkaTestSupport.readCommitted(kafka, Topics.SAMPLES);
        assertThat(samples).hasSize((int) script.expectedSamples());
        assertThat(samples.stream().map(Sample::getSampleId).distinct().count()).isEqualTo(samples.size());
        assertThat(samples.stream().filter(s -> s.getLabel() == 1).count()).isEqualTo(script.expectedPositives());
        Map<Long, List<TimedEvent>> behaviours = behavioursByUser(script.events());
        long checksum = 0;
        for (Sample s : samples) {
            assertThat(s.getHistoryItems()).as("history of sample %s", s.getSampleId())
                    .isEqualTo(historyBefore(behaviours.get(s.getUserId()), s.getImpressionTimeMs()));
            checksum += StreamingTrainer.mix(s.getSampleId());
        }
        long previous = 0;
        ModelFollower end = new ModelFollower();
        for (ModelUpdate u : KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES)) {
            assertThat(u.getModelVersion()).isIn(previous, previous + 1);
            previous = u.getModelVersion();
            end.accept(u);
        }
        // a job left running after its model settled may publish once more (a periodic FULL, a late replica delta):
        // the newest version on the topic must hold the same samples as the settled one
        assertThat(model.version()).isLessThanOrEqualTo(previous);
        assertThat(end.version()).isEqualTo(previous);
        for (ModelFollower m : List.of(model, end)) {
            assertThat(m.samplesTrained()).isEqualTo(samples.size());
            assertThat(m.sampleChecksum()).isEqualTo(checksum);
        }
        return samples;
    }

    static Map<Long, List<TimedEvent>> behavioursByUser(List<TimedEvent> events) {
        Map<Long, List<TimedEvent>> byUser = new HashMap<>();
        for (TimedEvent e : events) {
            if (e.event() instanceof Behavior) {
                byUser.computeIfAbsent(e.userId(), u -> new ArrayList<>()).add(e);
            }
        }
        return byUser;
    }

    /** Item ids of the newest T behaviours strictly before {@code timeMs}, oldest first (events are in time order). */
    static List<Long> historyBefore(List<TimedEvent> behaviours, long timeMs) {
        List<Long> items = new ArrayList<>();
        if (behaviours != null) {
            for (TimedEvent e : behaviours) {
                if (e.eventTimeMs() < timeMs) {
                    items.add(((Behavior) e.event()).getItemId());
                }
            }
        }
        return items.subList(Math.max(0, items.size() - T), items.size());
    }
}

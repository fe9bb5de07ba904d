package io.istream.ops.live;

import io.istream.avro.Metrics;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.schemas.DecodeException;
import io.istream.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the {@code metrics} topic (read_committed, from the beginning, no consumer group) and adds each window's
 * prequential figures to {@link LiveSeries} at the window's end: what the trainer published, exactly as a dashboard
 * reading the topic sees it.
 */
public final class MetricsTopicFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsTopicFeed.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final LiveSeries series;
    private final Thread thread;
    private final AtomicLong windows = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private volatile boolean running = true;

    private MetricsTopicFeed(KafkaConnection kafka, LiveSeries series) {
        Properties props = kafka.toProperties();
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.series = series;
        this.thread = new Thread(this::run, "metrics-topic-feed");
        this.thread.setDaemon(true);
    }

    public static MetricsTopicFeed start(KafkaConnection kafka, LiveSeries series) {
        MetricsTopicFeed feed = new MetricsTopicFeed(kafka, series);
        feed.thread.start();
        return feed;
    }

    /** Adds one window's figures; the names are the page's. */
    public static void record(LiveSeries series, Metrics m) {
        long t = m.getWindowEndMs();
        series.add("auc", t, orNaN(m.getAuc()));
        series.add("gauc", t, orNaN(m.getGauc()));
        series.add("logloss", t, orNaN(m.getLogloss()));
        series.add("ctr", t, orNaN(m.getCtr()));
        series.add("meanPctr", t, orNaN(m.getMeanPctr()));
        series.add("samplesPerSecond", t, m.getSamplesPerSecond());
        series.add("modelVersion", t, m.getModelVersion());
        series.add("samplesTrained", t, m.getSamplesTrained());
        series.add("skippedBatches", t, m.getSkippedBatches());
    }

    private void run() {
        String topic = Topics.METRICS.name();
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        record(series, Topics.METRICS.values().decode(record.value()));
                        windows.incrementAndGet();
                    } catch (DecodeException e) {
                        undecodable.incrementAndGet();
                        LOG.warn("skipping undecodable metrics record at {}/{}@{}: {}", record.topic(),
                                record.partition(), record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException closing) {
            // close() woke the poll
        } catch (RuntimeException e) {
            LOG.error("the live page stopped following the metrics topic", e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Metrics windows read so far. */
    public long windows() {
        return windows.get();
    }

    private static double orNaN(Double v) {
        return v == null ? Double.NaN : v;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}

package io.istream.ops.cluster;

import io.istream.ingestion.config.KafkaConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft broker (broker + controller) as a child process on 127.0.0.1, from the Kafka jars on this
 * JVM's classpath, with fixed ports and a log directory that survive a stop: {@link #stop()} and {@link #start()}
 * give an outage of the same broker, as an operator's restart would. The process cluster ({@link ProcessCluster})
 * runs its broker this way too.
 */
public final class BrokerProcess implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Path config;
    private Process process;

    private BrokerProcess(Path dir, int port, Path config) {
        this.dir = dir;
        this.port = port;
        this.config = config;
    }

    /** Formats the log directory and starts the broker. */
    public static BrokerProcess startNew(Path dir) throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        Files.createDirectories(dir);
        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dir.resolve("logs"),
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "default.replication.factor=1",
                "min.insync.replicas=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "message.max.bytes=8388608",
                ""));
        run(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()),
                dir.resolve("format.log"), Duration.ofSeconds(60));
        BrokerProcess broker = new BrokerProcess(dir, port, config);
        broker.start();
        return broker;
    }

    /** Starts the broker process (again) and waits until it accepts connections. */
    public void start() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker is running");
        }
        process = java(List.of("kafka.Kafka", config.toString()), dir.resolve("broker.log")).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue() + "; see "
                        + dir.resolve("broker.log"));
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;   // listening; TopicAdmin.ensureTopics then waits until every partition's leader serves
            } catch (IOException notYet) {
                Thread.sleep(200);   // polling the port: a process gives no notice when it listens
            }
        }
        throw new IllegalStateException("the broker did not open 127.0.0.1:" + port + " within 60 s");
    }

    /** Stops the broker as an operator would (SIGTERM: a controlled shutdown), keeping its logs. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    public KafkaConnection connection() {
        return KafkaConnection.of("127.0.0.1:" + port);
    }

    /** The broker's process id. */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    private static ProcessBuilder java(List<String> mainAndArgs, Path log) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    }

    private static void run(List<String> mainAndArgs, Path log, Duration timeout) throws Exception {
        Process p = java(mainAndArgs, log).start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", mainAndArgs) + " failed; see " + log + ":\n"
                    + Files.readString(log));
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

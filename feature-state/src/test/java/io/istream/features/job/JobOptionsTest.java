package io.istream.features.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.ingestion.config.KafkaConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's Kafka security settings come from a properties file and arguments, and never print their secrets. */
class JobOptionsTest {

    @Test
    void saslSslScramSettingsReachTheClientsAndTheirSecretsAreMasked(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
                  username="istream" password="s3cret-scram";
                ssl.truststore.location=/etc/kafka/truststore.jks
                ssl.truststore.password=s3cret-store
                ssl.truststore.type=JKS
                """);
        KafkaConnection kafka = JobOptions.kafkaConnection(new String[] {"--bootstrap", "broker:9093",
                "--kafka-properties", file.toString(), "--kafka-property", "ssl.truststore.type=PKCS12"}, "x:1");

        assertThat(kafka.bootstrapServers()).isEqualTo("broker:9093");
        assertThat(kafka.toProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.jks")
                .containsEntry("ssl.truststore.password", "s3cret-store")
                .containsEntry("ssl.truststore.type", "PKCS12")   // the argument wins over the file
                .containsEntry("bootstrap.servers", "broker:9093");
        assertThat(kafka.toProperties().getProperty("sasl.jaas.config")).contains("password=\"s3cret-scram\"");

        String printed = kafka.toString();
        assertThat(printed).doesNotContain("s3cret").contains("SASL_SSL", "SCRAM-SHA-512",
                "/etc/kafka/truststore.jks", "PKCS12");
    }

    @Test
    void withoutSettingsItIsThePlainBootstrap() {
        KafkaConnection kafka = JobOptions.kafkaConnection(new String[0], "127.0.0.1:9092");
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(kafka.clientProperties()).isEmpty();
    }

    @Test
    void badSettingsAreClearErrors(@TempDir Path dir) {
        assertThatThrownBy(() -> JobOptions.kafkaConnection(new String[] {"--kafka-property", "novalue"}, "x:1"))
                .hasMessageContaining("key=value");
        assertThatThrownBy(() -> JobOptions.kafkaConnection(new String[] {"--kafka-property", "bootstrap.servers=a:1"},
                "x:1")).hasMessageContaining("--bootstrap");
        assertThatThrownBy(() -> JobOptions.kafkaConnection(new String[] {"--kafka-properties",
                dir.resolve("missing.properties").toString()}, "x:1")).hasMessageContaining("missing.properties");
    }
}

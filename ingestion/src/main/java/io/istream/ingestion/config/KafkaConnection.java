package io.istream.ingestion.config;

import java.io.Serializable;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where the brokers are and any extra client settings (security: {@code security.protocol}, {@code sasl.*},
 * {@code ssl.*}). Every source, sink and producer of the system is built from one of these, so security
 * settings given once reach every client.
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> clientProperties) implements Serializable {
    private static final String[] SECRET_MARKERS = {"password", "secret", "jaas", "key"};

    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers must be given, e.g. 127.0.0.1:9092");
        }
        clientProperties = Map.copyOf(clientProperties);
    }

    public static KafkaConnection of(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    public Properties toProperties() {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    /** For logs and printed configuration: values of secret-looking keys are masked. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        clientProperties.forEach((k, v) -> shown.put(k, isSecret(k) ? "******" : v));
        return "KafkaConnection{bootstrap=" + bootstrapServers + ", client=" + shown + "}";
    }

    static boolean isSecret(String key) {
        String lower = key.toLowerCase(java.util.Locale.ROOT);
        for (String marker : SECRET_MARKERS) {
            if (lower.contains(marker) && !lower.endsWith(".type") && !lower.endsWith(".location")
                    && !lower.endsWith(".algorithm")) {
                return true;
            }
        }
        return false;
    }
}

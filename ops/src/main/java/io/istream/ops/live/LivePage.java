package io.istream.ops.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's built-in live page on 127.0.0.1: an HTML page that polls {@code /series} once a second and draws the
 * series with uPlot, served from this jar (the page loads nothing from the network).
 */
public final class LivePage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LivePage.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UPLOT = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";

    private final HttpServer server;

    private LivePage(HttpServer server) {
        this.server = server;
    }

    /**
     * Serves the page.
     *
     * @param port   0 for any free port
     * @param series what the page plots
     * @param info   a few lines about the run (dataset, jobs), shown above the charts
     */
    public static LivePage start(int port, LiveSeries series, Supplier<Map<String, Object>> info) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
            server.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                switch (path) {
                    case "/", "/index.html" -> resource(exchange, "live/index.html", "text/html; charset=utf-8");
                    case "/live.js" -> resource(exchange, "live/live.js", "text/javascript; charset=utf-8");
                    case "/uPlot.iife.min.js" -> resource(exchange, UPLOT + "uPlot.iife.min.js",
                            "text/javascript; charset=utf-8");
                    case "/uPlot.min.css" -> resource(exchange, UPLOT + "uPlot.min.css", "text/css; charset=utf-8");
                    case "/series" -> {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("info", info.get());
                        body.put("series", series.snapshot());
                        send(exchange, 200, "application/json", JSON.writeValueAsBytes(body));
                    }
                    default -> send(exchange, 404, "text/plain", ("no page " + path).getBytes());
                }
            });
            server.setExecutor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "live-page");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return new LivePage(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the live page on 127.0.0.1:" + port
                    + " (is the port taken? --live-port 0 picks a free one)", e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private static void resource(HttpExchange exchange, String name, String type) throws IOException {
        try (InputStream in = LivePage.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                send(exchange, 500, "text/plain", ("missing resource " + name).getBytes());
                return;
            }
            send(exchange, 200, type, in.readAllBytes());
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String uplotVersion() {
        try (InputStream in = LivePage.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "missing-uplot-webjar");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        LOG.info("live page stopped");
    }
}

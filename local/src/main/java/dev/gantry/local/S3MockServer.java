package dev.gantry.local;

import dev.gantry.storage.S3Settings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A real S3Mock server (Adobe S3Mock's exec jar, copied from Maven Central by the build) in its
 * own process on free loopback ports, with its objects under a work directory: the S3 store of
 * local mode and of the tests. The jar's path comes from the system property gantry.s3mock.jar,
 * which the ./gantry launcher and the Maven build set.
 */
public final class S3MockServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private S3MockServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static S3MockServer start(Path workDir) throws IOException, InterruptedException {
        String jar = System.getProperty("gantry.s3mock.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Mock exec jar not found at " + jar + " (the build copies it to local/target/s3mock; run 'mvn install')");
        }
        int http = freePort();
        int https = freePort();
        Path log = workDir.resolve("s3mock.log");
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar, "--http.port=" + http, "--server.port=" + https,
                "--server.address=127.0.0.1", "--com.adobe.testing.s3mock.store.root=" + workDir.resolve("s3mock-data"),
                "--spring.main.banner-mode=off"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3MockServer server = new S3MockServer(process, http, log);
        server.awaitReady(Duration.ofMinutes(2));
        return server;
    }

    public S3Settings settings() {
        return new S3Settings(Optional.of(URI.create("http://127.0.0.1:" + port)), "us-east-1", true,
                Optional.of("test-key"), Optional.of("test-secret"));
    }

    public int port() {
        return port;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Mock exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() < 500) {
                    return;
                }
            } catch (IOException notYetListening) {
                // the port opens once Spring Boot has started: poll again until the deadline
            }
            process.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        close();
        throw new IllegalStateException("S3Mock did not answer within " + timeout + ":\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

package dev.tokengate.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free loopback port, started by the test and stopped by it: no persistence, nothing
 * shared with any other Redis on the machine. The binary comes from Debian's {@code redis-server} package ({@code
 * .ci/run} installs it).
 */
final class RedisServer implements AutoCloseable {
  private final int port;
  private final Path log;
  private Process process;

  private RedisServer(int port) throws IOException {
    this.port = port;
    this.log = Files.createTempFile("redis-server-", ".log");
  }

  static RedisServer start() throws IOException {
    RedisServer server = new RedisServer(freePort());
    server.startProcess();
    return server;
  }

  /** Starts the process again on the same port, after {@link #stop()}. */
  void startProcess() throws IOException {
    process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!accepts()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-server did not start on port " + port + ": " + Files.readString(log));
      }
      try {
        Thread.sleep(10); // waiting for a process to listen, not letting time pass
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  URI uri() {
    return URI.create("redis://127.0.0.1:" + port);
  }

  /** Stops the process and waits until it is gone. */
  void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stop();
  }

  private boolean accepts() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

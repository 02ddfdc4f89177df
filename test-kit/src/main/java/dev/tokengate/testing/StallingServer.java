package dev.tokengate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A key server that misbehaves below HTTP, where a real HTTP server cannot be made to: on a loopback port, it either
 * never accepts a connection ({@link #hangAtAccept()}: the kernel completes the TCP handshake, then nothing), or
 * accepts, reads the request and sends the response's status line and headers one byte at a time ({@link
 * #dripHeaders(Duration)}), never silent long enough for a read timeout. Its URL stands in for a JWKS URL.
 */
public final class StallingServer implements AutoCloseable {
  private final ServerSocket socket;
  private final Duration perByte;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread acceptor;

  private StallingServer(Duration perByte, boolean accept) throws IOException {
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.perByte = perByte;
    if (accept) {
      acceptor = new Thread(this::acceptLoop, "stalling-server-" + socket.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
    } else {
      acceptor = null;
    }
  }

  /** Listens, but never accepts a connection. */
  public static StallingServer hangAtAccept() {
    try {
      return new StallingServer(Duration.ZERO, false);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Accepts and answers with a status line and headers dripped a byte per {@code perByte}, endlessly. */
  public static StallingServer dripHeaders(Duration perByte) {
    try {
      return new StallingServer(perByte, true);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A URL on this server, e.g. to configure as the JWKS URL. */
  public String url(String path) {
    return "http://127.0.0.1:" + socket.getLocalPort() + path;
  }

  /** How many connections were accepted. */
  public int connections() {
    return connections.get();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        connections.incrementAndGet();
        accepted.add(client);
        Thread dripper = new Thread(() -> drip(client), "stalling-server-drip");
        dripper.setDaemon(true);
        dripper.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void drip(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      // Read the request head (until the blank line), then answer as slowly as allowed.
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      OutputStream out = client.getOutputStream();
      byte[] head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII);
      for (byte b : head) {
        if (pauseOrClosed()) {
          return;
        }
        out.write(b);
        out.flush();
      }
      while (!pauseOrClosed()) {
        out.write('x');
        out.flush();
      }
    } catch (IOException e) {
      // The client hung up: done.
    }
  }

  private boolean pauseOrClosed() {
    try {
      return closed.await(perByte.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  @Override
  public void close() {
    closed.countDown();
    try {
      socket.close();
      for (Socket client : accepted) {
        client.close();
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

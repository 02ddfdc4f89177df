package dev.tokengate.spring.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Sends a request line exactly as written, over a plain socket on loopback. {@code java.net.http} normalizes and
 * re-encodes request targets, so it cannot send {@code ..;}, {@code %2e} or {@code //} as an attacker would.
 */
public final class RawHttp {
  private final int port;

  public RawHttp(int port) {
    this.port = port;
  }

  /** The answer to {@code GET target}; {@code token} may be null. */
  public Response get(String target, String token) {
    return send("GET", target, token);
  }

  public Response send(String method, String target, String token) {
    return send(method, target, token == null ? java.util.List.of() : java.util.List.of("Authorization: Bearer " + token));
  }

  /**
   * The answer to {@code GET target} with these header lines, each sent as written (ISO-8859-1), in order: two
   * {@code Authorization} lines, a tab or a double space, which {@code java.net.http} would refuse or merge.
   */
  public Response getWithHeaders(String target, String... headerLines) {
    return send("GET", target, java.util.List.of(headerLines));
  }

  private Response send(String method, String target, java.util.List<String> headerLines) {
    StringBuilder request = new StringBuilder()
        .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(port).append("\r\n")
        .append("Connection: close\r\n");
    for (String line : headerLines) {
      request.append(line).append("\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return Response.parse(socket.getInputStream().readAllBytes(), method.equals("HEAD"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Status, headers (names lower-cased, the last value of each) and body. */
  public record Response(int status, Map<String, String> headers, String body) {
    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    static Response parse(byte[] bytes, boolean noBody) throws IOException {
      String all = new String(bytes, StandardCharsets.ISO_8859_1);
      int end = all.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new IOException("No complete response head in: " + all);
      }
      String[] lines = all.substring(0, end).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
      }
      byte[] rest = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
      if (!noBody && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        rest = dechunk(rest);
      }
      return new Response(status, headers, new String(rest, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] chunked) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      InputStream in = new java.io.ByteArrayInputStream(chunked);
      while (true) {
        String sizeLine = line(in);
        int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
        if (size == 0) {
          return body.toByteArray();
        }
        body.write(in.readNBytes(size));
        line(in);
      }
    }

    private static String line(InputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }
  }
}

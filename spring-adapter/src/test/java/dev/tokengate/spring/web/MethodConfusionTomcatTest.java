package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.TestIssuer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Method rules on embedded Tomcat with Spring MVC, the methods sent byte for byte over a socket: a GET rule cannot be
 * walked around by spelling the method another way, and TRACE never echoes the token.
 */
@SpringBootTest(classes = TestApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "tokengate.audiences=api",
    "tokengate.public-paths=/public/*",
    "tokengate.scope-rules=GET /api/orders=admin",
    "tokengate.allow-form-token=true",
})
class MethodConfusionTomcatTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("tokengate.issuer", issuer::issuer);
  }

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @LocalServerPort
  int port;

  /**
   * A token without {@code admin}: the GET rule answers 403 for GET and HEAD; the other spellings of GET (Spring MVC
   * and Tomcat match methods case-sensitively), made-up methods and TRACE (Tomcat's allowTrace is off) reach no
   * handler: 405, and the token is never echoed.
   */
  @Test
  void otherSpellingsOfGet_reachNoHandler() throws IOException {
    String[][] cases = {{"GET", "403"}, {"HEAD", "403"}, {"get", "405"}, {"Get", "405"}, {"FOO", "405"},
        {"TRACE", "405"}};
    for (String[] c : cases) {
      String token = issuer.token().scope("orders:read").sign();
      String response = send(c[0] + " /api/orders HTTP/1.1", "Authorization: Bearer " + token);
      assertThat(response).as(c[0]).startsWith("HTTP/1.1 " + c[1] + " ");
      assertThat(response).as(c[0]).doesNotEndWith("\r\n\r\norders").doesNotContain("\r\n6\r\norders")
          .doesNotContain(token);
    }
  }

  @Test
  void getWithTheScope_reachesTheHandler() throws IOException {
    String response = send("GET /api/orders HTTP/1.1", "Authorization: Bearer " + issuer.token().scope("admin").sign());
    assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("orders");
  }

  /** With allow-form-token, a form in a charset Tomcat does not know is no 500 (Jetty's was; see the filter's test). */
  @Test
  void formInAnUnknownCharset_isNoServerError() throws IOException {
    String response = send("POST /api/orders HTTP/1.1", "Authorization: Bearer " + issuer.token().scope("x").sign(),
        "Content-Type: application/x-www-form-urlencoded; charset=x-bogus", "Content-Length: 3\r\n\r\na=b");
    assertThat(response).startsWith("HTTP/1.1 403 ").contains("scope=\"orders:write\"");
  }

  private String send(String requestLine, String... headers) throws IOException {
    StringBuilder request = new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (String header : headers) {
      request.append(header).append("\r\n");
    }
    String text = request.toString();
    if (!text.contains("\r\n\r\n")) {
      text += "\r\n";
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      socket.getInputStream().transferTo(bytes);
      return bytes.toString(StandardCharsets.ISO_8859_1);
    }
  }
}

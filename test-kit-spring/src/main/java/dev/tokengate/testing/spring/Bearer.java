package dev.tokengate.testing.spring;

import static java.util.Objects.requireNonNull;

import java.util.function.Consumer;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

/**
 * Sends an access token as {@code Authorization: Bearer <token>} (RFC 6750 §2.1) with Spring's test clients. The
 * token is validated for real by the application's tokengate filter: nothing is skipped.
 *
 * <pre>{@code
 * mockMvc.perform(get("/orders").with(Bearer.token(jwt)));                       // MockMvc
 * restTestClient.get().uri("/orders").headers(Bearer.headers(jwt)).exchange();   // RestTestClient
 * webTestClient.get().uri("/orders").headers(Bearer.headers(jwt)).exchange();    // WebTestClient
 * }</pre>
 */
public final class Bearer {
  private Bearer() {}

  /**
   * For MockMvc: {@code perform(get("/orders").with(Bearer.token(jwt)))}. MockMvc runs the application's filters
   * (with {@code @AutoConfigureMockMvc}, or {@code addFilters} when built by hand), tokengate's among them.
   *
   * @param token the access token, e.g. {@code issuer.token().sign()}
   * @return a request post-processor setting the header
   */
  public static RequestPostProcessor token(String token) {
    String value = headerValue(token);
    return request -> {
      request.addHeader(HttpHeaders.AUTHORIZATION, value);
      return request;
    };
  }

  /**
   * For {@code RestTestClient} and {@code WebTestClient} (and anything else taking a {@code Consumer<HttpHeaders>}):
   * {@code get().uri("/orders").headers(Bearer.headers(jwt))}.
   *
   * @param token the access token
   * @return a headers consumer setting the header
   */
  public static Consumer<HttpHeaders> headers(String token) {
    String value = headerValue(token);
    return headers -> headers.set(HttpHeaders.AUTHORIZATION, value);
  }

  private static String headerValue(String token) {
    requireNonNull(token, "token");
    return "Bearer " + token;
  }
}

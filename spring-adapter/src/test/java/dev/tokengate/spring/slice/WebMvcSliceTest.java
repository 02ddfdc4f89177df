package dev.tokengate.spring.slice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import dev.tokengate.testing.TestIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.RequestBuilder;

/**
 * A user's {@code @WebMvcTest} slice sees what production does: the slice includes tokengate's auto-configuration,
 * and MockMvc runs its filter, against a real JWKS endpoint on loopback.
 */
@WebMvcTest(properties = "tokengate.audiences=api")
class WebMvcSliceTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("tokengate.issuer", issuer::issuer);
  }

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @Autowired
  MockMvc mvc;

  @Test
  void withoutAToken_is401() throws Exception {
    MockHttpServletResponse response = perform(get("/api/open"));
    assertThat(response.getStatus()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"api\"");
    assertThat(response.getContentAsString()).doesNotContain("open");
  }

  @Test
  void withAValidToken_is200() throws Exception {
    MockHttpServletResponse response = perform(get("/api/countries")
        .header("Authorization", "Bearer " + issuer.token().clientId("billing").sign()));
    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(response.getContentAsString()).isEqualTo("countries for billing");
  }

  @Test
  void requiredScope_isEnforced() throws Exception {
    MockHttpServletResponse response = perform(get("/api/countries")
        .header("Authorization", "Bearer " + issuer.token().scope("orders:write").sign()));
    assertThat(response.getStatus()).isEqualTo(403);
    assertThat(response.getHeader("WWW-Authenticate")).endsWith("scope=\"countries:read\"");
  }

  @Test
  void aBadToken_is401InvalidToken() throws Exception {
    MockHttpServletResponse response = perform(get("/api/open")
        .header("Authorization", "Bearer " + issuer.token().audience("other").sign()));
    assertThat(response.getStatus()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
  }

  private MockHttpServletResponse perform(RequestBuilder request) throws Exception {
    return mvc.perform(request).andReturn().getResponse();
  }
}

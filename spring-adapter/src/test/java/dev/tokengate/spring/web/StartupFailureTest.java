package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * What a user sees when tokengate cannot protect the application as configured: a real application on embedded
 * Tomcat fails to start, and Spring Boot's failure report, written by our failure analyzer, names the property and
 * the fix.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {
  private static final String NL = System.lineSeparator();

  @Test
  void missingAudiences_failsStartUpWithTheFailureAnalysis(CapturedOutput output) {
    assertStartupFails(output, List.of("--tokengate.issuer=https://login.example.com/realms/api"),
        "tokengate is misconfigured: Property 'tokengate.audiences' is required: set it to the audience your"
            + " issuer puts in tokens for this API (the 'aud' claim), or set 'tokengate.allow-any-audience' to true"
            + " if this issuer issues tokens for this API alone",
        "Correct the property 'tokengate.audiences' in your application configuration");
  }

  // The case 4a: the application used to start, and its @RequiredScope handlers answered without a token.
  @Test
  void misspelledIssuer_failsStartUpNamingTheProperty(CapturedOutput output) {
    assertStartupFails(output, List.of("--tokengate.isuer=https://login.example.com/realms/api",
            "--tokengate.audiences=api"),
        "tokengate is misconfigured: Property 'tokengate.isuer' is not a tokengate property: did you mean"
            + " 'tokengate.issuer'?",
        "Rename 'tokengate.isuer' to 'tokengate.issuer', or remove it.");
  }

  @Test
  void misspelledOptionalProperty_failsStartUp(CapturedOutput output) {
    assertStartupFails(output, List.of("--tokengate.issuer=https://login.example.com/realms/api",
            "--tokengate.audiences=api", "--tokengate.typ-polciy=strict"),
        "tokengate is misconfigured: Property 'tokengate.typ-polciy' is not a tokengate property: did you mean"
            + " 'tokengate.typ-policy'?",
        "Rename 'tokengate.typ-polciy' to 'tokengate.typ-policy', or remove it.");
  }

  // TestApi's controllers carry @RequiredScope: without tokengate they would answer anyone.
  @Test
  void requiredScopeWithoutTokengate_failsStartUp(CapturedOutput output) {
    assertStartupFails(output, List.of(),
        "tokengate is misconfigured: @RequiredScope is on [dev.tokengate.spring.web.TestApi$Countries,"
            + " dev.tokengate.spring.web.TestApi$Orders.create(), dev.tokengate.spring.web.TestApi$Orders.delete(),"
            + " dev.tokengate.spring.web.TestApi$Public.scoped()] but tokengate is not switched on",
        "Set 'tokengate.issuer' to your authorization server's issuer URL");
  }

  private static void assertStartupFails(CapturedOutput output, List<String> arguments, String description,
      String action) {
    List<String> all = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1"));
    all.addAll(arguments);
    SpringApplication application = new SpringApplication(TestApi.class);
    assertThatThrownBy(() -> application.run(all.toArray(String[]::new))).isNotNull();
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
        .contains("Description:" + NL + NL + description)
        .contains("Action:" + NL + NL + action)
        .doesNotContain("Tomcat started on port");
  }
}

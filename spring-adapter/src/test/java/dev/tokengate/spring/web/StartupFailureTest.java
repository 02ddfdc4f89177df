package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** What a user sees when a property is missing: Spring Boot's failure report, written by our failure analyzer. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {
  @Test
  void missingAudiences_failsStartUpWithTheFailureAnalysis(CapturedOutput output) {
    SpringApplication application = new SpringApplication(TestApi.class);
    assertThatThrownBy(() -> application.run("--server.port=0", "--server.address=127.0.0.1",
        "--tokengate.issuer=https://login.example.com/realms/api")).isNotNull();
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
        .contains("Description:" + System.lineSeparator() + System.lineSeparator()
            + "tokengate is misconfigured: Property 'tokengate.audiences' is required: set it to the audience your"
            + " issuer puts in tokens for this API (the 'aud' claim), or set 'tokengate.allow-any-audience' to true"
            + " if this issuer issues tokens for this API alone")
        .contains("Action:" + System.lineSeparator() + System.lineSeparator()
            + "Correct the property 'tokengate.audiences' in your application configuration");
  }
}

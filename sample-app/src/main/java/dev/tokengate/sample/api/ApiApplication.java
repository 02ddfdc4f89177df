package dev.tokengate.sample.api;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.security.oauth2.server.authorization.autoconfigure.servlet.OAuth2AuthorizationServerAutoConfiguration;
import org.springframework.boot.security.oauth2.server.authorization.autoconfigure.servlet.OAuth2AuthorizationServerJwtAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The demo's protected API, guarded by the tokengate Spring Boot starter: its whole configuration is the {@code
 * tokengate.*} lines of {@code api.properties} plus {@code tokengate.issuer}, set at start-up once the issuer's port
 * is known. The Spring Security auto-configurations are excluded only because the demo's authorization server
 * shares this class path; an API of its own would not have them.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration(
    exclude = {
      SecurityAutoConfiguration.class,
      UserDetailsServiceAutoConfiguration.class,
      ServletWebSecurityAutoConfiguration.class,
      SecurityFilterAutoConfiguration.class,
      OAuth2AuthorizationServerAutoConfiguration.class,
      OAuth2AuthorizationServerJwtAutoConfiguration.class
    })
@Import(ApiController.class)
public class ApiApplication {
  /**
   * The API alone, for a JVM of its own: {@code --tokengate.issuer=http://127.0.0.1:9080} and the usual Spring Boot
   * arguments. The build's AOT processing ({@code spring-boot:process-aot}) starts it this way, and {@code
   * AotSampleTest} runs the processed API with {@code -Dspring.aot.enabled=true}.
   */
  public static void main(String[] args) {
    SpringApplication api = new SpringApplication(ApiApplication.class);
    api.setDefaultProperties(Map.of("spring.config.name", "api"));
    api.run(args);
  }
}

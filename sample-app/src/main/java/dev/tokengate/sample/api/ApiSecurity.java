package dev.tokengate.sample.api;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Puts tokengate in front of the API: every path needs a valid token but {@code /health}. */
@Configuration(proxyBeanMethods = false)
class ApiSecurity {

  @Bean
  FilterRegistrationBean<TokenGateFilter> tokenGate(
      @Value("${sample.issuer-uri}") String issuer,
      @Value("${sample.audience}") String audience,
      ObjectProvider<Clock> clock) {
    TokenGateConfig config = TokenGateConfig.builder()
        .issuer(issuer)
        .audiences(audience)
        .publicPaths("/health")
        .scopeRule("GET /api/countries=countries:read")
        .scopeRule("POST /api/orders=orders:write")
        .clock(clock.getIfAvailable(Clock::systemUTC))
        .build();
    FilterRegistrationBean<TokenGateFilter> registration = new FilterRegistrationBean<>(new TokenGateFilter(config));
    registration.addUrlPatterns("/*");
    registration.setName("tokengate");
    return registration;
  }
}

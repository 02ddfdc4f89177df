package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import dev.tokengate.spi.ValidationListener;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Dispatches after the first on embedded Tomcat: Spring MVC's async handlers ({@code Callable}, {@code
 * DeferredResult}) render on an ASYNC dispatch, a plain servlet's {@code startAsync().dispatch()} too (where only the
 * filter mapped to ASYNC can show the caller), and a {@code forward:} reaches another path whose scope rules hold.
 * Each sees the caller of the first dispatch, validated once.
 */
@SpringBootTest(classes = {TestApi.class, DispatchWebTest.AsyncApi.class},
    webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1",
        "tokengate.audiences=api",
        "tokengate.scope-rules=GET /api/reports/*=reports:read",
    })
class DispatchWebTest {
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

  @Autowired
  List<String> seen;

  @Autowired
  AtomicInteger validations;

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
    seen.clear();
    validations.set(0);
  }

  @Test
  void callable_seesTheCallerOnItsAsyncDispatch_validatedOnce() {
    HttpResponse<String> response = http.get("/api/async/callable", issuer.token().clientId("billing").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("callable billing");
    assertThat(seen).containsExactly("REQUEST ClientPrincipal billing billing orders:write=true",
        "ASYNC ClientPrincipal billing billing orders:write=true");
    assertThat(validations).hasValue(1);
  }

  @Test
  void deferredResult_seesTheCallerOnItsAsyncDispatch() {
    HttpResponse<String> response = http.get("/api/async/deferred", issuer.token().clientId("billing").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("deferred");
    assertThat(seen).containsExactly("REQUEST ClientPrincipal billing billing orders:write=true",
        "ASYNC ClientPrincipal billing billing orders:write=true");
    assertThat(validations).hasValue(1);
  }

  @Test
  void requiredScopeOnAnAsyncHandler_holdsOnBothDispatches() {
    assertThat(http.get("/api/async/scoped", issuer.token().scope("orders:write").sign()).statusCode())
        .isEqualTo(200);
    HttpResponse<String> refused = http.get("/api/async/scoped", issuer.token().scope("countries:read").sign());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow()).endsWith("scope=\"orders:write\"");
  }

  @Test
  void asyncHandler_withoutAToken_is401AndNeverRuns() {
    HttpResponse<String> response = http.get("/api/async/callable", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(seen).isEmpty();
  }

  // startAsync() without arguments dispatches the container's own request, not the filter's wrapper: the caller is
  // there only because the filter runs on the ASYNC dispatch too.
  @Test
  void plainServlet_startAsyncDispatch_seesTheCaller() {
    HttpResponse<String> response = http.get("/servlet/async", issuer.token().clientId("billing").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ASYNC ClientPrincipal billing billing orders:write=true");
    assertThat(validations).hasValue(1);
  }

  @Test
  void forward_toAPathWithAScopeRule_isHeldToTheRule() {
    HttpResponse<String> refused = http.get("/api/async/forward", issuer.token().scope("orders:write").sign());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow()).endsWith("scope=\"reports:read\"");
    assertThat(seen).doesNotContain("report");
    HttpResponse<String> allowed = http.get("/api/async/forward", issuer.token().scope("reports:read").sign());
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("report");
  }

  @Configuration(proxyBeanMethods = false)
  @Import({AsyncApi.Async.class, AsyncApi.Reports.class})
  static class AsyncApi {
    @Bean
    ServletRegistrationBean<HttpServlet> asyncServlet() {
      ServletRegistrationBean<HttpServlet> registration = new ServletRegistrationBean<>(new HttpServlet() {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
          if (request.getDispatcherType() == DispatcherType.REQUEST) {
            AsyncContext async = request.startAsync();
            async.start(async::dispatch);
            return;
          }
          Principal principal = request.getUserPrincipal();
          response.getWriter().print(request.getDispatcherType() + " "
              + (principal == null ? "none" : principal.getClass().getSimpleName() + " " + principal.getName())
              + " " + request.getRemoteUser() + " orders:write=" + request.isUserInRole("orders:write"));
        }
      }, "/servlet/async");
      registration.setAsyncSupported(true);
      return registration;
    }

    @Bean
    List<String> seen() {
      return new CopyOnWriteArrayList<>();
    }

    @Bean
    AtomicInteger validations() {
      return new AtomicInteger();
    }

    @Bean
    ValidationListener countingValidations(AtomicInteger validations) {
      return new ValidationListener() {
        @Override
        public void onAccepted(ClientPrincipal principal) {
          validations.incrementAndGet();
        }
      };
    }

    // What the servlet API shows on each dispatch: getUserPrincipal(), getRemoteUser(), isUserInRole(scope).
    @Bean
    WebMvcConfigurer recordCallerPerDispatch(List<String> seen) {
      return new WebMvcConfigurer() {
        @Override
        public void addInterceptors(InterceptorRegistry registry) {
          registry.addInterceptor(new HandlerInterceptor() {
            @Override
            public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
              Principal principal = request.getUserPrincipal();
              seen.add(request.getDispatcherType() + " "
                  + (principal == null ? "none" : principal.getClass().getSimpleName() + " " + principal.getName())
                  + " " + request.getRemoteUser() + " orders:write=" + request.isUserInRole("orders:write"));
              return true;
            }
          }).addPathPatterns("/api/async/**");
        }
      };
    }

    @RestController
    @RequestMapping("/api/async")
    static class Async {
      @GetMapping("/callable")
      Callable<String> callable(ClientPrincipal caller) {
        return () -> "callable " + caller.clientId();
      }

      @GetMapping("/deferred")
      DeferredResult<String> deferred() {
        DeferredResult<String> result = new DeferredResult<>();
        CompletableFuture.runAsync(() -> result.setResult("deferred"));
        return result;
      }

      @GetMapping("/scoped")
      @RequiredScope("orders:write")
      Callable<String> scoped() {
        return () -> "scoped";
      }

      @GetMapping("/forward")
      ModelAndView forward() {
        return new ModelAndView("forward:/api/reports/x");
      }
    }

    @RestController
    static class Reports {
      private final List<String> seen;

      Reports(List<String> seen) {
        this.seen = seen;
      }

      @GetMapping("/api/reports/x")
      String report() {
        seen.add("report");
        return "report";
      }
    }
  }
}

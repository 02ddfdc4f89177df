package com.example.orders;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class OrdersApplication {
  public static void main(String[] args) {
    SpringApplication.run(OrdersApplication.class, args);
  }

  @GetMapping("/orders")
  @RequiredScope("orders:read")
  String list(ClientPrincipal caller) {
    return "orders for " + caller.clientId();
  }

  @PostMapping("/orders")
  @RequiredScope("orders:write")
  @ResponseStatus(HttpStatus.CREATED)
  void create() {}
}

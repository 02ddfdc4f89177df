package com.example.orders;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

@RequiredScope("orders:read")
public class OrdersServlet extends HttpServlet {
  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ClientPrincipal caller = (ClientPrincipal) request.getUserPrincipal();
    response.setContentType("text/plain");
    response.getWriter().print("orders for " + caller.clientId());
  }

  @Override
  @RequiredScope("orders:write")
  protected void doPost(HttpServletRequest request, HttpServletResponse response) {
    response.setStatus(201);
  }
}

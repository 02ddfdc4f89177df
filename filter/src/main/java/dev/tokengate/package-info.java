/**
 * tokengate: validates OAuth 2.0 client-credentials JWT access tokens in front of Jakarta Servlet APIs.
 *
 * <p>What a user imports: {@link dev.tokengate.TokenGateConfig} (the settings), {@link dev.tokengate.TokenGateFilter}
 * (the servlet filter), {@link dev.tokengate.RequestFirewallFilter} (its request firewall alone, on {@code /*} when the
 * filter is mapped to less), {@link dev.tokengate.TokenValidator} (the same checks without a servlet container), {@link
 * dev.tokengate.ClientPrincipal} (the caller), {@link dev.tokengate.RequiredScope}, and the two outcomes a validation
 * can fail with: {@link dev.tokengate.TokenRejectedException} (the caller's fault: 400, 401, 403) and {@link
 * dev.tokengate.KeysUnavailableException} (the key server's: 503). Nimbus and Caffeine types never appear in this
 * package, so upgrading them never breaks a user.
 */
package dev.tokengate;

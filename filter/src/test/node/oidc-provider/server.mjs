// panva's oidc-provider on loopback, for OidcProviderInteropTest: a real authorization server that issues opaque
// client-credentials tokens for one resource server and answers RFC 7662 introspection, signed (RFC 9701) when the
// caller asks for application/token-introspection+jwt.
//
//   node server.mjs [port] [--unsigned]     (or PORT=...; default 0, a free port)
//
// --unsigned turns RFC 9701 off: every introspection answer is plain JSON, whatever the caller asks for.
//
// Prints one line on stdout once it listens: {"issuer":"http://127.0.0.1:<port>"}. Everything else goes to stderr.
// The clients, the resource and the scopes are constants that the test repeats.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

// The API (the resource server): its resource indicator (RFC 8707), which becomes the tokens' aud, and the client
// it authenticates to the introspection endpoint with.
const RESOURCE = 'https://orders-api.tokengate.test';
const RESOURCE_SCOPES = 'orders:read orders:write';
const API_CLIENT = { id: 'orders-api', secret: 'orders-api-secret' };
// The caller: a service that obtains tokens for the API with client_credentials.
const CALLER = { id: 'orders-service', secret: 'orders-service-secret' };

const args = process.argv.slice(2);
const unsigned = args.includes('--unsigned');
const port = Number(args.find((arg) => !arg.startsWith('--')) ?? process.env.PORT ?? 0);
const http = createServer();
await new Promise((resolve, reject) => {
  http.once('error', reject);
  http.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${http.address().port}`;

// A fresh signing key per run: the test trusts whatever the issuer's JWKS says, as a resource server does.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomUUID()] },
  clients: [
    {
      client_id: CALLER.id,
      client_secret: CALLER.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: RESOURCE_SCOPES,
    },
    {
      client_id: API_CLIENT.id,
      client_secret: API_CLIENT.secret,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // RFC 9701: answers to this client are signed when it asks for them with Accept.
      ...(unsigned ? {} : { introspection_signed_response_alg: 'RS256' }),
    },
  ],
  scopes: RESOURCE_SCOPES.split(' '),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: {
      enabled: true,
      // Only the token's own client may revoke it (the library's default, without its warning).
      allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId,
    },
    introspection: {
      enabled: true,
      // A resource server may learn about the tokens issued for it, and nothing else.
      allowedPolicy: async (ctx, client, token) => client.clientId === API_CLIENT.id && token.aud === RESOURCE,
    },
    jwtIntrospection: { enabled: !unsigned },
    resourceIndicators: {
      enabled: true,
      // A token request without a resource parameter is for this API.
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resourceIndicator) => {
        if (resourceIndicator !== RESOURCE) {
          throw new errors.InvalidTarget();
        }
        return { scope: RESOURCE_SCOPES, audience: RESOURCE, accessTokenFormat: 'opaque', accessTokenTTL: 600 };
      },
    },
  },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));

http.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);

// The test ends this process; a closed stdin (the test's JVM gone) ends it too, so that no server outlives its test.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

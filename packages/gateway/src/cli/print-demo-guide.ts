/** What `npm start` prints: where the gateway is and a few requests that show what it does. */
export function printDemoGuide(gatewayUrl: string, backendUrl: string): void {
  const lines = [
    '',
    `Portier is running at ${gatewayUrl} (demo backend at ${backendUrl}).`,
    'Try these (add -i to see X-Correlation-ID and the other headers):',
    '',
    '  # a success, proxied to the demo backend',
    `  curl -i ${gatewayUrl}/v1/hello`,
    '  # 404 not_found: no route matches',
    `  curl ${gatewayUrl}/v1/nope`,
    '  # 405 method_not_allowed, with an Allow header',
    `  curl -i -X PUT ${gatewayUrl}/v1/items`,
    '  # 413 payload_too_large (this route accepts 1 KiB)',
    `  curl -X POST -H 'content-type: application/json' --data "{\\"name\\":\\"$(head -c 2000 /dev/zero | tr '\\0' x)\\"}" ${gatewayUrl}/v1/items`,
    '  # upstream 404, normalized into the envelope with the backend\'s message',
    `  curl ${gatewayUrl}/v1/items/99`,
    '  # the same upstream 404 passed through untouched',
    `  curl ${gatewayUrl}/raw/v1/items/99`,
    '  # 503 service_unavailable with Retry-After',
    `  curl -i ${gatewayUrl}/v1/unavailable`,
    '  # 504 gateway_timeout (the backend takes 3 s, the route allows 1 s)',
    `  curl ${gatewayUrl}/v1/slow`,
    '  # 502 bad_gateway (nothing listens behind this route)',
    `  curl ${gatewayUrl}/v1/nowhere`,
    '  # 503 maintenance with the operator\'s message',
    `  curl -i ${gatewayUrl}/v1/legacy`,
    '',
    'Stop with Ctrl-C (a graceful shutdown).',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

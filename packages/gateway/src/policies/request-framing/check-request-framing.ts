import type { RequestView } from '../../pipeline/exchange.js';
import { portierError, type PortierError } from '../../errors/portier-error.js';
import { phrase } from '../../errors/param-phrases.js';
import { continueExpectation } from '../request-body/expect-continue.js';

const chunkedOnly = /^[ \t]*chunked[ \t]*$/i;

/**
 * Header-level refusals that come before routing, each a catalogued error instead of the bare answer
 * Node would write itself (the server is created with `requireHostHeader: false` and listens to
 * 'checkExpectation' so that these reach the pipeline):
 * - HTTP/1.1 without exactly one Host header is 400 (RFC 9112 section 3.2);
 * - an HTTP/1.1 `Expect` other than `100-continue` is 417 (RFC 9110 section 10.1.1);
 * - a `Transfer-Encoding` other than `chunked` alone is 400. Node's parser takes `gzip, chunked` and
 *   removes only the chunking, so the body would reach the upstream still compressed, with nothing
 *   saying so (`Transfer-Encoding` is hop-by-hop and never forwarded). RFC 9112 section 6.1 suggests 501
 *   for a coding the server does not understand; the catalogued 400 names the header.
 */
export function checkRequestFraming(req: RequestView): PortierError | undefined {
  const coding = req.headers['transfer-encoding'];
  if (coding !== undefined && !chunkedOnly.test(coding)) return portierError('bad_request', { reason: phrase('httpTransferEncoding') });
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return undefined;
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).length === 4 && (raw[i] as string).toLowerCase() === 'host') hosts++;
  if (hosts !== 1) return portierError('bad_request', { reason: phrase(hosts === 0 ? 'hostMissing' : 'hostRepeated') });
  const expect = req.headers.expect;
  if (expect !== undefined && !continueExpectation.test(expect)) return portierError('expectation_failed', {});
  return undefined;
}

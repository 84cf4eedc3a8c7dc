/** Route ids of the served error reference; reserved. */
export const referenceRouteIds = { negotiated: 'error-reference', language: 'error-reference-language' } as const;

/** Names of the error envelopes (`errors.envelope`, route `envelope`); `renderers` has one renderer per name. */
export const envelopeNames = ['problem', 'codat', 'braze', 'seatable'] as const;

export type EnvelopeName = (typeof envelopeNames)[number];

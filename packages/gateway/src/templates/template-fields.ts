/** What a self-service key template may name. `secret` is the whole key: only in the answer that creates it. */
export const keyTemplateFields = ['id', 'name', 'display', 'secret', 'scopes', 'bindings', 'status', 'createdAt', 'lastUsedAt', 'expiresAt'] as const;

/** What the access-token exchange answer's template may name. */
export const accessTokenFields = ['token', 'expiresAt', 'keyId', 'keyName', 'accountId', 'binding'] as const;

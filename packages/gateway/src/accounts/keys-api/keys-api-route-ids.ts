/** Route ids of the self-service keys routes (`auth.keysApi`); reserved. */
export const keysApiRouteIds = { collection: 'api-keys', item: 'api-key' } as const;

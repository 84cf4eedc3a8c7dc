import { installedClient, type ClientMethodTable } from '../shared/client-method-row.js';

/**
 * Every method of Codat's own SDK whose request this example serves (the test checks the list against the
 * SDK's source and the gateway), each called in test/codat-platform-client.test.ts. The SDK validates
 * every answer with zod: "parses" means its model accepted the answer.
 */
export const codatPlatformMethods: ClientMethodTable = {
  client: installedClient('@codat/platform'),
  example: 'codat',
  rows: [
    { method: 'companies.list', route: 'GET /companies', result: 'parses Companies: the account\'s companies, paged (pageNumber, pageSize, totalResults, _links)' },
    { method: 'companies.create', route: 'POST /companies', result: 'parses Company: its id, name and linked QuickBooks Online connection' },
    { method: 'companies.get', route: 'GET /companies/{companyId}', result: 'parses Company; an unknown id is its ErrorMessage 404' },
    { method: 'companies.delete', route: 'DELETE /companies/{companyId}', result: 'resolves on the 204; the company is gone (404 after)' },
    { method: 'companies.getCompanySyncSettings', route: 'GET /companies/{companyId}/syncSettings', result: 'parses CompanySyncSettings: the default daily schedules' },
    { method: 'companies.setCompanySyncSettings', route: 'POST /companies/{companyId}/syncSettings', result: 'resolves on the 204; an hourly schedule on the free plan is its ErrorMessage 402' },
    { method: 'connections.unlink', route: 'PATCH /companies/{companyId}/connections/{connectionId}', result: 'parses Connection with status Unlinked' },
    { method: 'pushData.listOperations', route: 'GET /companies/{companyId}/push', result: 'parses PushOperations: Codat\'s paged list (results, pageNumber, pageSize, totalResults, _links with next while there is more)' },
    { method: 'pushData.getOperation', route: 'GET /companies/{companyId}/push/{pushOperationKey}', result: 'parses PushOperation, Pending then Success with statusCode 201; an unknown key is its ErrorMessage 404' },
    { method: 'refreshData.byDataType', route: 'POST /companies/{companyId}/data/queue/{dataType}', result: 'parses PullOperation (Initial); an unsupported data type is its ErrorMessage 404' },
    { method: 'refreshData.get', route: 'GET /companies/{companyId}/dataStatus', result: 'parses DataStatuses: the queued data type and its status' },
    { method: 'refreshData.listPullOperations', route: 'GET /companies/{companyId}/data/history', result: 'parses PullOperations: the dataset requests, newest first, paged' },
    { method: 'settings.listApiKeys', route: 'GET /apiKeys', result: 'parses ApiKeys: the account\'s keys, without their secrets' },
    { method: 'settings.createApiKey', route: 'POST /apiKeys', result: 'parses ApiKeyDetails with the new key, shown once, which works at once' },
    {
      method: 'settings.deleteApiKey',
      route: 'DELETE /apiKeys/{apiKeyId}',
      result: 'deletes the key (gone from the list, refused after as an obsolete key, 403); the answer is Codat\'s bodiless 204, which this SDK version cannot take: it throws its SDKError "Unexpected Status or Content-Type" (statusCode 204), see the note below',
    },
    { method: 'webhooks.listConsumers', route: 'GET /webhooks', result: 'parses WebhookConsumers; a key without the webhooks:read scope is its ErrorMessage 403' },
  ],
  notes: [
    '`settings.deleteApiKey` in 6.2.1 expects a JSON body (ErrorMessage) with its 204, and a 204 has no content: `fetch` hands the SDK an empty body whatever the server sends. Tried against a plain socket server: a 204 without Content-Type throws SDKError "Unexpected Status or Content-Type"; a 204 with `Content-Type: application/json` (with or without bytes after it) throws a SyntaxError and leaves an unhandled rejection; a 200 with a JSON body is "Unexpected Status" too. So Portier answers as Codat does, 204 without a body, and a caller treats an SDKError with `statusCode` 204 from this method as success.',
    'The push itself (`POST /companies/{companyId}/connections/{connectionId}/push/{dataType}`) and the invoice PDF are not methods of `@codat/platform`; the example\'s tests send them with `fetch`.',
  ],
};

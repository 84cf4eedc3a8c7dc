export { createGateway, type Gateway, type GatewayDependencies } from './server/create-gateway.js';
export { loadConfigFile, parseConfig, type ConfigResult } from './config-loader/load-config.js';
export { formatConfigProblem, type ConfigProblem } from './config/config-problem.js';
export type { PortierConfig } from './config/config-types.js';
export { catalog, errorCodes, type ErrorCode, type CatalogEntry, type ErrorOwner } from './errors/catalog.js';
export { PortierError, portierError, type ErrorItem } from './errors/portier-error.js';
export { createLogging, type Logging } from './log/create-logger.js';
export type { Clock } from './clock.js';
export { AccountAdmin } from './admin/account-admin.js';

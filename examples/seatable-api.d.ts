/** The parts of the official SeaTable client (npm `seatable-api`, untyped) that the example tests use. */
declare module 'seatable-api' {
  export class Base {
    constructor(config: { server: string; APIToken: string });
    auth(): Promise<void>;
    dtableUuid: string;
    accessToken: string;
    listRows(table: string): Promise<Record<string, unknown>[]>;
    appendRow(table: string, row: Record<string, unknown>): Promise<Record<string, unknown>>;
    getMetadata(): Promise<{ tables: { name: string }[] }>;
    getTables(): Promise<{ name: string }[]>;
    getTableByName(table: string): Promise<{ name: string } | undefined>;
    getRow(table: string, rowId: string): Promise<Record<string, unknown>>;
    insertRow(table: string, row: Record<string, unknown>, anchorRowId: string): Promise<Record<string, unknown>>;
    batchAppendRows(table: string, rows: Record<string, unknown>[]): Promise<{ inserted_row_count: number }>;
    apiGateway: { getResponseHeaders(name?: string): string | null };
  }
}

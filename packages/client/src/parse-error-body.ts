/** One finding about one part of the request (a validation error or a warning). */
export interface ErrorItem {
  /** JSON pointer, field name or item id the finding is about ('' for the whole request). */
  readonly pointer: string;
  readonly message: string;
  /** Rule or validator name, when the API gives one. */
  readonly rule: string | undefined;
}

/** What the client understood of an error body, whichever API shape it came in. */
export interface ParsedErrorBody {
  readonly shape: 'problem' | 'codat' | 'braze' | 'seatable' | 'unknown';
  readonly code: string | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly correlationId: string | undefined;
  readonly service: string | undefined;
  readonly retryable: boolean | undefined;
  readonly items: readonly ErrorItem[];
  readonly warnings: readonly ErrorItem[];
}

const empty: ParsedErrorBody = {
  shape: 'unknown',
  code: undefined,
  title: undefined,
  detail: undefined,
  correlationId: undefined,
  service: undefined,
  retryable: undefined,
  items: [],
  warnings: [],
};

/**
 * Reads an error body in any of the shapes the client knows: RFC 9457 problem+json (Portier's default),
 * Codat (`statusCode`, `service`, `error`, `correlationId`, `validation`), Braze (`message`, `errors`) and
 * SeaTable (`error_msg` or `detail`). Anything else keeps its text as the detail.
 */
export function parseErrorBody(text: string): ParsedErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return trimmed === '' ? empty : { ...empty, detail: trimmed.slice(0, 500) };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return empty;
  const record = body as Record<string, unknown>;
  if (typeof record['title'] === 'string' && ('type' in record || 'status' in record)) {
    return {
      shape: 'problem',
      code: str(record['code']),
      title: str(record['title']),
      detail: str(record['detail']),
      correlationId: str(record['correlationId']),
      service: str(record['service']),
      retryable: typeof record['retryable'] === 'boolean' ? record['retryable'] : undefined,
      items: items(record['errors']),
      warnings: items(record['warnings']),
    };
  }
  if ('statusCode' in record && 'error' in record) {
    const validation = (record['validation'] ?? {}) as Record<string, unknown>;
    const canBeRetried = str(record['canBeRetried']);
    return {
      ...empty,
      shape: 'codat',
      code: str(record['code']),
      detail: str(record['error']),
      correlationId: str(record['correlationId']),
      service: str(record['service']),
      retryable: canBeRetried === undefined ? undefined : canBeRetried.toLowerCase() === 'true',
      items: items(validation['errors']),
      warnings: items(validation['warnings']),
    };
  }
  if (typeof record['message'] === 'string') {
    return { ...empty, shape: 'braze', code: str(record['code']), detail: record['message'], correlationId: str(record['correlationId']), items: items(record['errors']) };
  }
  if (typeof record['error_msg'] === 'string' || typeof record['detail'] === 'string') {
    return { ...empty, shape: 'seatable', code: str(record['code']), detail: str(record['error_msg']) ?? str(record['detail']) };
  }
  return empty;
}

/** Items as Portier (`pointer/message/rule`), Codat (`itemId/message/validatorName`) or Braze (strings) send them. */
export function items(value: unknown): ErrorItem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): ErrorItem[] => {
    if (typeof item === 'string') return [{ pointer: '', message: item, rule: undefined }];
    if (item === null || typeof item !== 'object') return [];
    const record = item as Record<string, unknown>;
    const message = str(record['message']) ?? str(record['detail']);
    if (message === undefined) return [];
    return [{ pointer: str(record['pointer']) ?? str(record['itemId']) ?? str(record['field']) ?? '', message, rule: str(record['rule']) ?? str(record['validatorName']) }];
  });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

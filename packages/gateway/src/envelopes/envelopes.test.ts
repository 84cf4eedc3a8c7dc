import { describe, expect, it } from 'vitest';
import { PortierError, portierError, type ErrorItem } from '../errors/portier-error.js';
import { wordedByPortier } from '../errors/item-messages.js';
import { Localizer } from '../errors/localizer.js';
import { phrase } from '../errors/param-phrases.js';
import { buildErrorView, type ErrorView, type ErrorViewContext } from './error-view.js';
import { renderers } from './renderers.js';
import { envelopeNames } from './envelope-names.js';

const context: ErrorViewContext = {
  correlationId: 'c-1',
  instance: '/bases/b1/rows',
  typeBaseUrl: 'https://docs.example/errors',
  gatewayService: 'portier',
  warnings: [],
};

const item = (pointer: string, message: string, rule: string): ErrorItem => ({ pointer, message, rule });

/** A view with every field set, for the renderers alone. */
function viewOf(overrides: Partial<ErrorView> = {}): ErrorView {
  return {
    code: 'validation_failed',
    status: 400,
    title: 'Validation failed',
    detail: 'The request has 2 problem(s); each is listed in errors.',
    owner: 'client',
    retryable: false,
    typeUri: 'https://docs.example/errors#validation_failed',
    instance: '/rows',
    correlationId: 'c-1',
    service: 'portier',
    errors: [item('/name', 'must be a string', 'type'), item('', 'the body is too big', 'maxSerializedBytes')],
    warnings: [item('/old', 'is deprecated', 'deprecated')],
    language: 'en',
    ...overrides,
  };
}

function render(name: keyof typeof renderers, view: ErrorView): { contentType: string; body: unknown } {
  const rendered = renderers[name].renderError(view);
  return { contentType: rendered.contentType, body: JSON.parse(rendered.body) };
}

describe('error view', () => {
  it('error view: resolves status, texts, owner, retryable, type link and who failed from the catalog and the context', () => {
    const view = buildErrorView(portierError('not_found', { method: 'GET', path: '/x' }), context);
    expect(view).toEqual({
      code: 'not_found',
      status: 404,
      title: 'Not found',
      detail: 'No route matches GET /x.',
      owner: 'client',
      retryable: false,
      typeUri: 'https://docs.example/errors#not_found',
      instance: '/bases/b1/rows',
      correlationId: 'c-1',
      service: 'portier',
      errors: [],
      warnings: [],
      language: 'en',
    });
    const upstream = buildErrorView(new PortierError('upstream_server_error', { message: 'db down' }, { status: 503, service: 'billing' }), context);
    expect(upstream).toMatchObject({ status: 503, owner: 'upstream', retryable: true, service: 'billing', detail: 'db down' });
  });

  it('error view: an empty parameter gives the fallback detail, where the code has one', () => {
    expect(buildErrorView(portierError('upstream_client_error', { message: '' }), context).detail).toBe('The service rejected the request without a readable message.');
    expect(buildErrorView(portierError('upstream_client_error', { message: 'no' }), context).detail).toBe('no');
    // No fallback: the empty value is filled in as it is.
    expect(buildErrorView(portierError('not_found', { method: 'GET', path: '' }), context).detail).toBe('No route matches GET .');
  });

  it('error view: texts and parameters come in the requested language, else the localizer\'s own', () => {
    const hint = phrase('keyEmpty');
    const error = portierError('credentials_malformed', { hint, expected: '`Authorization: Bearer <key>` or `X-Api-Key: <key>`' });
    const french = buildErrorView(error, { ...context, language: 'fr' });
    expect(french.language).toBe('fr');
    expect(french.title).toBe('Identifiants mal formés');
    expect(french.detail).toBe('La clé API n\'a pas été envoyée sous la forme attendue : la clé est vide. Forme attendue : `Authorization: Bearer <clé>` ou `X-Api-Key: <clé>`.');
    const german = new Localizer({ language: 'de', languages: ['de', 'en'], texts: {} });
    expect(buildErrorView(error, { ...context, localizer: german }).language).toBe('de');
    expect(buildErrorView(error, { ...context, localizer: german, language: 'en' }).title).toBe('Malformed credentials');
  });

  it('error view: the error\'s own items, else the operator\'s items of the code; warnings from the context; Portier\'s wording translated', () => {
    const own = wordedByPortier(item('/name', 'must have required property \'name\'', 'required'), '/name', 'required', { missingProperty: 'name' });
    const error = portierError('validation_failed', { count: 1 }, { items: [own] });
    const warning = wordedByPortier(item('', 'must be object', 'type'), '', 'type', { type: 'object' });
    const view = buildErrorView(error, { ...context, language: 'fr', warnings: [warning] });
    expect(view.errors).toEqual([item('/name', '/name est obligatoire', 'required')]);
    expect(view.warnings).toEqual([item('', 'le corps doit être de type « object »', 'type')]);
    const operatorItems = [item('Company', 'Company not found', 'CreateCompany')];
    const localizer = new Localizer({ language: 'en', languages: ['en'], texts: { en: { account_disabled: { items: operatorItems } } } });
    expect(buildErrorView(portierError('account_disabled', {}), { ...context, localizer }).errors).toEqual(operatorItems);
    expect(buildErrorView(error, { ...context, localizer }).errors).toEqual([own]);
  });
});

describe('envelopes', () => {
  it('envelopes: one renderer per configured name, each named as it is configured', () => {
    expect(Object.keys(renderers)).toEqual([...envelopeNames]);
    for (const name of envelopeNames) expect(renderers[name].name).toBe(name);
  });

  it('problem: RFC 9457 members and Portier\'s extensions, as application/problem+json', () => {
    const view = viewOf();
    expect(render('problem', view)).toEqual({
      contentType: 'application/problem+json',
      body: {
        type: view.typeUri,
        title: view.title,
        status: 400,
        detail: view.detail,
        instance: '/rows',
        code: 'validation_failed',
        correlationId: 'c-1',
        retryable: false,
        service: 'portier',
        errors: view.errors,
        warnings: view.warnings,
      },
    });
  });

  it('codat: service, message, correlation id, items as {itemId, message, validatorName} leaving out the empty ones, canBeRetried as a string', () => {
    expect(render('codat', viewOf({ status: 402, service: 'PublicApi' }))).toEqual({
      contentType: 'application/json',
      body: {
        statusCode: 402,
        service: 'PublicApi',
        error: 'The request has 2 problem(s); each is listed in errors.',
        correlationId: 'c-1',
        validation: {
          errors: [{ itemId: '/name', message: 'must be a string', validatorName: 'type' }, { message: 'the body is too big', validatorName: 'maxSerializedBytes' }],
          warnings: [{ itemId: '/old', message: 'is deprecated', validatorName: 'deprecated' }],
        },
        canBeRetried: 'Unknown',
        detailedErrorCode: 0,
      },
    });
    const bare = render('codat', viewOf({ errors: [item('', 'Account expired', '')], warnings: [] })).body as { validation: unknown };
    expect(bare.validation).toEqual({ errors: [{ message: 'Account expired' }], warnings: [] });
  });

  it('braze: the first error is the fatal message, the others and the warnings the minor errors; without items, the detail', () => {
    expect(render('braze', viewOf())).toEqual({ contentType: 'application/json', body: { message: 'must be a string', errors: ['the body is too big', 'is deprecated'] } });
    expect(render('braze', viewOf({ errors: [], warnings: [] })).body).toEqual({ message: 'The request has 2 problem(s); each is listed in errors.', errors: [] });
  });

  it('seatable: detail for a 401, error_msg otherwise, with the items appended (pointer first when there is one)', () => {
    expect(render('seatable', viewOf())).toEqual({
      contentType: 'application/json',
      body: { error_msg: 'The request has 2 problem(s); each is listed in errors. /name: must be a string; the body is too big' },
    });
    expect(render('seatable', viewOf({ status: 401, detail: 'No key.', errors: [] }))).toEqual({ contentType: 'application/json', body: { detail: 'No key.' } });
    expect(render('seatable', viewOf({ status: 403, detail: 'No.', errors: [] })).body).toEqual({ error_msg: 'No.' });
  });
});

import { describe, expect, it } from 'vitest';
import { jsonErrorWhere, redactor, redactUrls, urlCredentials } from './redact.ts';

describe('redactUrls', () => {
  it.each([
    // userinfo: user and key
    ['LLM unreachable at http://user:sk-CANARY@llm:8080/v1', 'LLM unreachable at http://***@llm:8080/v1'],
    // a token as the user name
    ['https://ghp_CANARY@github.com/org/fleet.git', 'https://***@github.com/org/fleet.git'],
    // a key in the query, other parameters kept
    [
      'https://llm.example/v1?api-version=2024-10-01&api-key=CANARY#x',
      'https://llm.example/v1?api-version=2024-10-01&api-key=***#x',
    ],
    // the usual names of credentials in query strings
    [
      'GET /v1?key=C1&token=C2&access_token=C3&X-Amz-Signature=C4&sig=C5&password=C6&code=C7&q=ok',
      'GET /v1?key=***&token=***&access_token=***&X-Amz-Signature=***&sig=***&password=***&code=***&q=ok',
    ],
    // a connection string's parameters
    ['Server=db;User Id=app;Password=CANARY;', 'Server=db;User Id=app;Password=***;'],
    // both in one message, quoted by undici
    [
      'Request cannot be constructed from a URL that includes credentials: http://u:CANARY@h/v1/chat/completions?token=CANARY',
      'Request cannot be constructed from a URL that includes credentials: http://***@h/v1/chat/completions?token=***',
    ],
    // nothing to hide
    ['https://host/x?page=2&limit=10', 'https://host/x?page=2&limit=10'],
    ['mail me at a@b.c', 'mail me at a@b.c'],
  ])('redacts %s', (text, expected) => {
    expect(redactUrls(text)).toBe(expected);
  });
});

describe('urlCredentials', () => {
  it.each([
    // the userinfo whole and the key alone, raw and decoded; not the user name
    ['http://user:s%40CANARY@h/v1', ['user:s%40CANARY', 'user:s@CANARY', 's%40CANARY', 's@CANARY']],
    // a lone token
    ['https://TOKEN123@h/v1', ['TOKEN123']],
    // a credential-like query value, not the others
    ['https://h/v1?api-version=1&api-key=KEY456', ['KEY456']],
    ['https://h/v1', []],
  ])('finds the credentials of %s', (url, expected) => {
    expect(urlCredentials(url).sort()).toEqual([...expected].sort());
  });
});

describe('redactor', () => {
  it('redacts URLs, then every known credential wherever it stands, ignoring too-short ones', () => {
    const redact = redactor([
      ...urlCredentials('http://user:KEY-CANARY@h/v1'),
      'sk-CANARY-2',
      'no',
      undefined,
    ]);
    expect(redact('401 from http://user:KEY-CANARY@h/v1: bad key "sk-CANARY-2" (KEY-CANARY); no user')).toBe(
      '401 from http://***@h/v1: bad key "***" (***); no user',
    );
  });
});

describe('jsonErrorWhere', () => {
  const errorOf = (text: string) => {
    try {
      JSON.parse(text);
    } catch (err) {
      return err;
    }
    throw new Error('parsed');
  };
  it.each([
    ['canary-s3cret', 'not valid JSON'],
    ['{"p":canary-s3cret}', 'not valid JSON'],
    ['{"p":"canary-s3cret" x', 'not valid JSON at line 1 column 22'],
  ])('describes %s by where it failed, never quoting it', (text, where) => {
    const described = jsonErrorWhere(errorOf(text));
    expect(described).toBe(where);
    expect(described).not.toContain('canary');
  });
});

it('keeps the message of an error that is not a JSON parse error (it quotes no input)', () => {
  expect(
    jsonErrorWhere(new Error("Body cannot be empty when content-type is set to 'application/json'")),
  ).toBe("Body cannot be empty when content-type is set to 'application/json'");
});

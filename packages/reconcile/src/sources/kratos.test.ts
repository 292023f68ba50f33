import { describe, expect, it } from 'vitest';
import { nextPageToken } from './kratos.js';

describe('nextPageToken', () => {
  it('takes the page_token of rel="next" from a Kratos Link header', () => {
    const link =
      '</admin/identities?page_size=250&page_token=00000000-0000-0000-0000-000000000000>; rel="first",' +
      '</admin/identities?page_size=250&page_token=eyJrIjoiYiJ9>; rel="next"';
    expect(nextPageToken(link)).toBe('eyJrIjoiYiJ9');
  });

  it('finds no next page on the last page, or without a header', () => {
    expect(nextPageToken('</admin/identities?page_size=250&page_token=x>; rel="first"')).toBeUndefined();
    expect(nextPageToken(undefined)).toBeUndefined();
    expect(nextPageToken('')).toBeUndefined();
  });

  it('reads absolute URLs (Ory Network) too', () => {
    expect(
      nextPageToken('<https://x.projects.oryapis.com/admin/identities?page_token=t2&page_size=2>; rel=next'),
    ).toBe('t2');
  });

  it('reads a link target that was query-escaped as a whole', () => {
    const escaped = encodeURIComponent('/admin/identities?page_size=250&page_token=eyJrIjoiYiJ9');
    expect(nextPageToken(`<${escaped}>; rel="next"`)).toBe('eyJrIjoiYiJ9');
  });
});

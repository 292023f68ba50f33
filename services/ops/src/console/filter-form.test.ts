import { describe, expect, it } from 'vitest';
import { filterForm } from './filter-form.js';

/** The form's HTML with whitespace runs collapsed, so assertions read the markup, not its indentation. */
const form = (values: Record<string, string | undefined>) =>
  filterForm(
    { action: '/things', label: 'Filter things', idPrefix: 't', submit: 'Filter' },
    [
      { name: 'email', label: 'Email', type: 'email' },
      { name: 'status', label: 'Status', options: ['open', 'done'] },
      { name: 'since', label: 'Since', placeholder: '2026-01-01T00:00:00Z' },
    ],
    values,
  ).value.replace(/\s+/g, ' ');

describe('filterForm', () => {
  it('labels every field by its id and keeps the current values, escaped', () => {
    const out = form({ email: '"><script>', status: 'done', since: '2026-02-01' });
    expect(out).toMatch(
      /<label for="t-email" >Email<input id="t-email" name="email" type="email" value="&quot;&gt;&lt;script&gt;"/,
    );
    expect(out).not.toContain('<script>');
    expect(out).toMatch(/<select id="t-status" name="status">/);
    expect(out).toMatch(/<option value="done" selected>done<\/option>/);
    expect(out).toMatch(/<option value="open" >open<\/option>/);
    expect(out).toMatch(/id="t-since" name="since" placeholder="2026-01-01T00:00:00Z" value="2026-02-01"/);
  });

  it('submits by GET to its action under its accessible name, with "any" as the empty choice', () => {
    const out = form({});
    expect(out).toMatch(
      /<form class="filters" method="get" action="\/things" role="search" aria-label="Filter things" >/,
    );
    expect(out).toContain('<option value="">any</option>');
    expect(out).toContain('<button type="submit">Filter</button>');
    expect(out).not.toContain('selected');
    expect(out).toMatch(/id="t-email" name="email" type="email" value=""/);
  });
});

import { describe, expect, test } from 'vitest';
import { CompiledNotification, TemplateError, templateProblems } from './notification-template.js';

const ada = { email: 'ada@school.edu', traits: { name: { first: 'Ada' } } };

describe('CompiledNotification', () => {
  test('text without tags renders as itself and is marked plain', () => {
    const n = new CompiledNotification({ subject: 'Hi {', text: 'Plain } text', html: '<p>x</p>' });
    expect(n.plain).toBe(true);
    expect(n.render(ada)).toEqual({ subject: 'Hi {', text: 'Plain } text', html: '<p>x</p>' });
  });
  test("renders each recipient's own traits, address and the request data", () => {
    const n = new CompiledNotification({
      subject: 'Hello {{ recipient.traits.name.first }}',
      text: '{{ data.examTitle }} for {{ recipient.email }}',
      data: { examTitle: 'Exam 42' },
    });
    expect(n.plain).toBe(false);
    expect(n.render(ada)).toEqual({ subject: 'Hello Ada', text: 'Exam 42 for ada@school.edu', html: null });
    expect(n.render({ email: 'bob@x.org', traits: { name: { first: 'Bob' } } }).subject).toBe('Hello Bob');
  });
  test('HTML escapes output by default; text does not', () => {
    const evil = { email: 'e@x.org', traits: { name: { first: '<script>alert(1)</script>' } } };
    const n = new CompiledNotification({
      subject: 's',
      text: '{{ recipient.traits.name.first }}',
      html: '<p>{{ recipient.traits.name.first }}</p>',
    });
    const out = n.render(evil);
    expect(out.html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(out.text).toBe('<script>alert(1)</script>');
  });
  test('a line break in a trait cannot add a header through the subject', () => {
    const n = new CompiledNotification({ subject: 'Hi {{ recipient.traits.x }}', text: '' });
    expect(n.render({ email: 'a@b.c', traits: { x: 'A\r\nBcc: victim@x.org' } }).subject).toBe(
      'Hi A Bcc: victim@x.org',
    );
  });
  test('a missing trait renders empty rather than failing', () => {
    const n = new CompiledNotification({ subject: 'Hi {{ recipient.traits.name.first }}!', text: '' });
    expect(n.render({ email: 'a@b.c', traits: {} }).subject).toBe('Hi !');
  });
  test('include cannot read files', () => {
    const n = new CompiledNotification({ subject: 's', text: "{% include '/etc/passwd' %}" });
    expect(() => n.render(ada)).toThrow(TemplateError);
  });
  test('a runaway loop is stopped by the memory limit', () => {
    const n = new CompiledNotification({
      subject: 's',
      text: '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}',
    });
    expect(() => n.render(ada)).toThrow(TemplateError);
  });
});

describe('templateProblems', () => {
  test('names the part that does not parse', () => {
    expect(templateProblems({ subject: 'ok', text: 'Hello {{ recipient.email ' })[0]?.pointer).toBe('/text');
    expect(templateProblems({ subject: 'ok', text: 'x', html: '{% if %}' })[0]?.pointer).toBe('/html');
    expect(templateProblems({ subject: '{{ x | nosuchfilter }}', text: 'x' })[0]?.pointer).toBe('/subject');
  });
  test('is empty for valid templates', () => {
    expect(templateProblems({ subject: '{{ data.a }}', text: '{% if data.b %}b{% endif %}' })).toEqual([]);
  });
});

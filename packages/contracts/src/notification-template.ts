import { Liquid, type Template } from 'liquidjs';

// subject, text and html of a notification are Liquid templates (LiquidJS: no code execution, no file
// access here). Each is parsed once per notification and rendered per recipient; a template without tags
// is used as it is, so plain requests cost nothing extra.

/** What a template sees of one recipient: `{{ recipient.email }}`, `{{ recipient.traits.name.first }}`. */
export interface TemplateRecipient {
  email: string;
  traits: Record<string, unknown>;
}

export interface NotificationTemplates {
  subject: string;
  text: string;
  html?: string | null;
  data?: Record<string, unknown> | null;
}

export interface RenderedNotification {
  subject: string;
  text: string;
  html: string | null;
}

export type TemplateField = 'subject' | 'text' | 'html';

/** A template that does not parse, or a render that went over its limits. */
export class TemplateError extends Error {
  constructor(
    readonly field: TemplateField,
    /** What is wrong, without the field's name. */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'TemplateError';
  }
}

const LIMITS = {
  // Characters parsed per template, time (ms) and memory (roughly, characters and array items) per render:
  // a template cannot keep a worker busy however it loops.
  parseLimit: 2 * 1024 * 1024,
  renderLimit: 1000,
  memoryLimit: 16 * 1024 * 1024,
};
const shared = {
  // An empty in-memory file system: {% include %} and {% render %} cannot read files.
  templates: {},
  ownPropertyOnly: true,
  strictFilters: true,
  ...LIMITS,
};
const plainEngine = new Liquid(shared);
/** HTML parts escape every output by default; `| raw` opts out for trusted markup in `data`. */
const htmlEngine = new Liquid({ ...shared, outputEscape: 'escape' });

const TAG = /\{\{|\{%/;

type Part = { kind: 'plain'; text: string } | { kind: 'liquid'; template: Template[]; engine: Liquid };

function compilePart(field: TemplateField, source: string, engine: Liquid): Part {
  if (!TAG.test(source)) return { kind: 'plain', text: source };
  try {
    return { kind: 'liquid', template: engine.parse(source), engine };
  } catch (err) {
    throw new TemplateError(field, (err as Error).message.split('\n')[0] ?? 'does not parse');
  }
}

function renderPart(field: TemplateField, part: Part, scope: object): string {
  if (part.kind === 'plain') return part.text;
  try {
    return String(part.engine.renderSync(part.template, scope));
  } catch (err) {
    throw new TemplateError(field, (err as Error).message.split('\n')[0] ?? 'does not render');
  }
}

/** A header value: line breaks (a trait may hold one) become spaces, at most 998 characters (RFC 5322). */
function headerSafe(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .slice(0, 998);
}

/** A notification's templates, parsed once, rendered per recipient. */
export class CompiledNotification {
  private readonly subject: Part;
  private readonly text: Part;
  private readonly html: Part | null;
  private readonly data: Record<string, unknown>;
  /** True when no part has a tag: every recipient gets the same email and nothing reads their traits. */
  readonly plain: boolean;

  /** Throws a {@link TemplateError} naming the first part that does not parse. */
  constructor(n: NotificationTemplates) {
    this.subject = compilePart('subject', n.subject, plainEngine);
    this.text = compilePart('text', n.text, plainEngine);
    this.html = n.html == null ? null : compilePart('html', n.html, htmlEngine);
    this.data = n.data ?? {};
    this.plain = [this.subject, this.text, this.html].every((p) => p === null || p.kind === 'plain');
  }

  /** The recipient's email; throws a {@link TemplateError} when a render fails (e.g. over its limits). */
  render(recipient: TemplateRecipient): RenderedNotification {
    const scope = { recipient, data: this.data };
    return {
      subject: headerSafe(renderPart('subject', this.subject, scope)),
      text: renderPart('text', this.text, scope),
      html: this.html === null ? null : renderPart('html', this.html, scope),
    };
  }
}

/** Problems that would make a notification's templates fail to parse (`{pointer: "/text", detail: "... line:1, col:4"}`); empty when fine. */
export function templateProblems(n: NotificationTemplates): { pointer: string; detail: string }[] {
  try {
    new CompiledNotification(n);
    return [];
  } catch (err) {
    if (err instanceof TemplateError) return [{ pointer: `/${err.field}`, detail: err.reason }];
    throw err;
  }
}

import { html, type SafeHtml } from './html.js';

/** One field of a GET filter form: a text input, or a select whose first option is "any". */
export type FilterField =
  | { readonly name: string; readonly label: string; readonly type?: string; readonly placeholder?: string }
  | { readonly name: string; readonly label: string; readonly options: readonly string[] };

export interface FilterFormOptions {
  /** Where the form submits (GET). */
  readonly action: string;
  /** The form's accessible name. */
  readonly label: string;
  /** Prefix of the inputs' ids, unique on the page. */
  readonly idPrefix: string;
  /** The submit button's text. */
  readonly submit: string;
}

function field(f: FilterField, id: string, value: string | undefined): SafeHtml {
  if ('options' in f) {
    return html`<label for="${id}"
      >${f.label}<select id="${id}" name="${f.name}">
        <option value="">any</option>
        ${f.options.map((o) => html`<option value="${o}" ${value === o ? html` selected` : ''}>${o}</option>`)}
      </select></label
    >`;
  }
  const type = f.type ? html` type="${f.type}"` : '';
  const placeholder = f.placeholder ? html` placeholder="${f.placeholder}"` : '';
  return html`<label for="${id}"
    >${f.label}<input id="${id}" name="${f.name}" ${type}${placeholder} value="${value ?? ''}"
  /></label>`;
}

/** The search/filter form of a list page, filled with the current query's values. */
export function filterForm(
  opts: FilterFormOptions,
  fields: readonly FilterField[],
  values: Readonly<Record<string, string | undefined>>,
): SafeHtml {
  return html`<form
    class="filters"
    method="get"
    action="${opts.action}"
    role="search"
    aria-label="${opts.label}"
  >
    ${fields.map((f) => html`${field(f, `${opts.idPrefix}-${f.name}`, values[f.name])} `)}
    <button type="submit">${opts.submit}</button>
  </form>`;
}

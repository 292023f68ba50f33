/** The console's only stylesheet, served at /console.css (no CDN: the console works offline). */
export const CONSOLE_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #fff; --panel: #f6f8fa; --line: #d0d7de; --accent: #0b5cad; --danger: #b42318; --ok: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --panel: #161b22; --line: #30363d; --accent: #58a6ff; --danger: #f85149; --ok: #3fb950; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header .brand { font-weight: 700; }
header nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; flex: 1; }
header nav a { white-space: nowrap; }
header form { margin: 0; }
main { padding: 1rem 1.5rem 3rem; max-width: 1200px; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--panel); border: 1px solid var(--line); padding: .75rem; overflow: auto; max-height: 32rem; white-space: pre-wrap; word-break: break-word; }
.error-text { color: var(--danger); }
.status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .8rem; border: 1px solid var(--line); }
.status-open { color: var(--danger); border-color: var(--danger); }
.status-replayed { color: var(--ok); border-color: var(--ok); }
.status-discarded, .status-deleted, .status-erased, .status-inactive, .status-unchanged { color: var(--muted); }
.status-failed, .status-stale, .status-failed-again { color: var(--danger); border-color: var(--danger); }
.status-sent, .status-applied, .status-active { color: var(--ok); border-color: var(--ok); }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; padding: .75rem; background: var(--panel); border: 1px solid var(--line); }
form.filters label, form.stack label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
input, select, textarea { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
button, .button { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.danger, .button.danger { background: var(--danger); border-color: var(--danger); }
.actions { display: flex; gap: .75rem; align-items: center; margin: 1rem 0; flex-wrap: wrap; }
.notice { padding: .6rem .9rem; border: 1px solid var(--ok); border-left-width: 4px; margin: .5rem 0 1rem; }
.notice.bad { border-color: var(--danger); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; }
.card { border: 1px solid var(--line); background: var(--panel); padding: .6rem .9rem; }
.card .n { font-size: 1.6rem; font-weight: 700; }
.muted { color: var(--muted); }
.login { max-width: 26rem; margin: 4rem auto; }
form.stack { display: flex; flex-direction: column; gap: .75rem; }
textarea { width: 100%; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
del { color: var(--danger); } ins { color: var(--ok); text-decoration: none; }
ul.diff, pre.diff { margin: .25rem 0; }
ol.timeline { list-style: none; padding: 0; margin: .5rem 0; border-left: 2px solid var(--line); }
ol.timeline .entry { display: grid; grid-template-columns: 13rem 1fr; gap: .25rem 1rem; padding: .5rem .75rem; border-bottom: 1px solid var(--line); }
ol.timeline .kind { display: block; font-size: .8rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.entry-dead-letter { background: color-mix(in srgb, var(--danger) 6%, transparent); }
code.wrap { word-break: break-all; }
.refresh { margin: .25rem 0; font-size: .9rem; }
/* Phone width: navigation wraps, tables scroll sideways instead of squeezing, timeline entries stack. */
@media (max-width: 700px) {
  header { flex-wrap: wrap; gap: .5rem 1rem; padding: .5rem .75rem; }
  header nav { flex-wrap: wrap; gap: .25rem .75rem; flex-basis: 100%; order: 3; }
  header .who { flex: 1; font-size: .85rem; }
  main { padding: .75rem .75rem 2rem; }
  table { display: block; overflow-x: auto; }
  form.filters label, form.filters input, form.filters select { width: 100%; }
  ol.timeline .entry { grid-template-columns: 1fr; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .4rem; }
  .login { margin: 1.5rem auto; }
}
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

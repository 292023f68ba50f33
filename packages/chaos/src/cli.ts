/**
 * `npm run test:chaos [-- --long] [--no-broker-restart] [--no-notifier]`: one chaos run, the summary
 * printed as Markdown, exit 1 when a guarantee was violated. `CHAOS_FORM=long` selects the long form too.
 * The long form stops RabbitMQ for the whole machine once (stop_app/start_app): run it by hand only.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { failures, formatReport } from './report.js';
import { longPlan, shortPlan } from './plan.js';
import { runChaos } from './run.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const args = new Set(process.argv.slice(2));
const long = args.has('--long') || process.env.CHAOS_FORM === 'long';
const notifier = !args.has('--no-notifier') && existsSync(`${repoRoot}services/notifier/src/main.ts`);
const plan = long ? longPlan(notifier) : shortPlan(notifier);
if (args.has('--no-broker-restart')) plan.faults = plan.faults.filter((f) => f !== 'broker-restart');

const stamp = () => new Date().toISOString().slice(11, 19);
const report = await runChaos(plan, { repoRoot, log: (line) => console.log(`[${stamp()}] ${line}`) });
console.log(`\n${formatReport(report)}\n`);
const problems = failures(report);
if (problems.length > 0) {
  console.log(`FAILED: ${problems.length} guarantee(s) violated (service logs: ${report.logDir})`);
  for (const p of problems) console.log(`- ${p}`);
  process.exitCode = 1;
} else {
  console.log('PASSED: nothing lost, nothing applied twice.');
}

// Floor of the reconcile scenario: pages once through Kratos' admin API (KRATOS_ADMIN_URL) with the client and the
// page size the reconciler uses (@ory/kratos-client, RECONCILE_PAGE_SIZE), reading every page and doing nothing
// else, then prints one JSON line with the time it took and exits.
import { readFileSync } from 'node:fs';
import { Configuration, IdentityApi } from '@ory/kratos-client';

const api = new IdentityApi(new Configuration({ basePath: process.env.KRATOS_ADMIN_URL ?? '' }));
const pageSize = Number(process.env.RECONCILE_PAGE_SIZE ?? 250);
// The page_token of the Link header's rel="next" (Kratos' keyset pagination); none on the last page.
const NEXT = /<[^>]*[?&]page_token=([^&>]+)[^>]*>\s*;\s*rel="?next"?/;

const started = performance.now();
const cpuAtStart = process.cpuUsage();
let identities = 0;
let pages = 0;
let pageToken: string | undefined;
do {
  const res = await api.listIdentities({ pageSize, pageToken });
  pages++;
  identities += res.data.length;
  const next = NEXT.exec(String(res.headers.link ?? ''))?.[1];
  pageToken = next && res.data.length > 0 ? decodeURIComponent(next) : undefined;
} while (pageToken);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuAtStart);
const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
console.log(
  JSON.stringify({
    floorMs: ms,
    identities,
    pages,
    peakRssMb: peakKb / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }),
);

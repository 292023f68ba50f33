import { connect } from 'amqplib';
import { parseBrokerUrls } from './broker-urls.js';

/**
 * One connection attempt per node of the list (AMQP_URL may name several), each closed at once:
 * undefined when one answered, else a short reason per node (`ECONNREFUSED`, `ACCESS_REFUSED …`)
 * without credentials. For start-up checks (`npm start`).
 */
export async function probeBroker(url: string, timeoutMs = 3000): Promise<string | undefined> {
  let nodes;
  try {
    nodes = parseBrokerUrls(url);
  } catch (err) {
    return (err as Error).message;
  }
  const reasons: string[] = [];
  for (const { label, ...node } of nodes) {
    try {
      const connection = await connect(node, { timeout: timeoutMs });
      await connection.close();
      return undefined;
    } catch (err) {
      const code = (err as { code?: string }).code;
      const message = (err as Error).message ?? String(err);
      const reason = code && !message.includes(code) ? `${code}: ${message}` : message;
      reasons.push(nodes.length === 1 ? reason : `${label}: ${reason}`);
    }
  }
  return reasons.join('; ');
}

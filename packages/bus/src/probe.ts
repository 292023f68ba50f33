import { connect } from 'amqplib';

/**
 * One connection attempt to the broker, closed at once: undefined when it answered, else a short reason
 * (`ECONNREFUSED`, `ACCESS_REFUSED …`) without the URL's credentials. For start-up checks (`npm start`).
 */
export async function probeBroker(url: string, timeoutMs = 3000): Promise<string | undefined> {
  try {
    const connection = await connect(url, { timeout: timeoutMs });
    await connection.close();
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = (err as Error).message ?? String(err);
    return code && !message.includes(code) ? `${code}: ${message}` : message;
  }
}

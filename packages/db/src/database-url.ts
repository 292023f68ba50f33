/** The database a postgresql:// URL names, and the same URL pointed at another database. */
export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(parseUrl(databaseUrl).pathname.replace(/^\//, ''));
  if (name === '') throw new RangeError('database URL names no database');
  return name;
}

export function withDatabase(databaseUrl: string, name: string): string {
  const url = parseUrl(databaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** For logs: the URL with its password replaced. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '<invalid database URL>';
  }
}

/** A Postgres identifier quoted for SQL text (CREATE/DROP DATABASE cannot take parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function parseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new RangeError('database URL is not a valid URL');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new RangeError(`database URL must start with postgresql://, got ${url.protocol}//`);
  }
  return url;
}

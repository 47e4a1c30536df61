/**
 * The only places a `detailUrl` may be fetched from: a domain event names a URL, and following it
 * blindly would let any sender make the adapter call anywhere with its credentials.
 */
export class DetailUrlAllowList {
  private readonly prefixes: readonly string[];

  /** @param prefixes absolute http(s) URL prefixes, e.g. `https://delius.example/detail/`. */
  constructor(prefixes: readonly string[]) {
    this.prefixes = prefixes.map((prefix) => new URL(prefix).href);
  }

  /**
   * True when the URL, once normalised (dot segments resolved, host lower-cased), starts with an
   * allowed prefix and carries no credentials. Anything unparseable is refused.
   */
  allows(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.username || parsed.password) return false;
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    return this.prefixes.some((prefix) => parsed.href.startsWith(prefix));
  }
}

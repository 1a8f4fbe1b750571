/**
 * The one URL grammar of the project: every URL the config takes (Git repository, cluster API
 * server, S3 endpoint, runbook link) is checked here, and no URL may carry credentials.
 */

/** What a URL with a user name or password before its host is told. */
export const CREDENTIALS_PROBLEM = 'must not carry credentials (user:password@ or token@ before the host)';

const DNS_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

/** A host as RFC 3986 and DNS know it: a name of labels (its last one not all digits), an IPv4 or [IPv6] address. */
export function isHost(host: string): boolean {
  if (IPV4.test(host) || IPV6.test(host)) return true;
  const labels = host.split('.');
  return host.length <= 253 && labels.every((l) => DNS_LABEL.test(l)) && !/^\d+$/.test(labels.at(-1)!);
}

/** The parts of `scheme://[userinfo@]host[:port][/path]`, or undefined when `value` has not that shape. */
function parts(value: string): { scheme: string; userinfo?: string; host: string; port?: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]*)([/?#]\S*)?$/.exec(value);
  if (!m) return undefined;
  const authority = m[2]!;
  const at = authority.lastIndexOf('@');
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority.slice(at + 1))!;
  const [host, portText] = [hostPort[1]!, hostPort[2]];
  return { scheme: m[1]!, userinfo: at === -1 ? undefined : authority.slice(0, at), host, port: portText };
}

/**
 * Why `value` is not a credential-free URL with one of `schemes` and a real host (or undefined).
 * `ssh` URLs may name the login user (`ssh://git@host/...`), never a password; `scp` allows Git's
 * short SSH form `git@host:path`.
 */
export function urlProblem(value: string, schemes: readonly string[], scp = false): string | undefined {
  const expected = `must be ${[...schemes.map((s) => `an ${s}://`), ...(scp ? ['a user@host:path'] : [])].join(' or ')} URL`;
  const p = parts(value);
  if (!p) {
    if (/^[^/@\s]*:[^/@\s]*@/.test(value)) return CREDENTIALS_PROBLEM;
    const short = scp ? /^[A-Za-z0-9._-]+@([^:/\s]+):\S+$/.exec(value) : null;
    if (!short) return expected;
    return isHost(short[1]!) ? undefined : `has "${short[1]}", which is not a host name`;
  }
  if (!schemes.includes(p.scheme)) return expected;
  if (p.userinfo !== undefined && (p.scheme !== 'ssh' || p.userinfo.includes(':') || p.userinfo === '')) {
    return CREDENTIALS_PROBLEM;
  }
  if (!isHost(p.host)) return `has "${p.host}", which is not a host name`;
  if (p.port !== undefined && !(/^\d{1,5}$/.test(p.port) && Number(p.port) >= 1 && Number(p.port) <= 65535)) {
    return `has port "${p.port}"; a port is a number from 1 to 65535`;
  }
  return undefined;
}

/*
 * A scheme is matched as at most 63 characters before `://` (a longer one still matches, by its
 * end): unbounded, each start of a long run of letters would scan the whole run, and a 100 kB
 * config value took seconds to check.
 */

/**
 * Every `scheme://userinfo@` in `text` that is a credential: a password, or a user name that is a token
 * (any scheme but ssh). A password made only of `$(VAR)` references, which Kubernetes fills from a
 * Secret at run time, is no credential.
 */
export function credentialsIn(text: string): string[] {
  // Most values hold no URL with a user part: they are answered without the pattern.
  if (!text.includes('://') || !text.includes('@')) return [];
  return [...text.matchAll(/([a-z][a-z0-9+.-]{0,62}):\/\/([^/?#\s@]*)@/gi)]
    .filter(([, scheme, userinfo]) => {
      const colon = userinfo!.indexOf(':');
      if (colon === -1) return scheme!.toLowerCase() !== 'ssh' && userinfo !== '';
      return !/^(\$\([A-Za-z_][A-Za-z0-9_]*\))+$/.test(userinfo!.slice(colon + 1));
    })
    .map(([match]) => match);
}

/** `text` with the user name and password of every URL in it masked, for a message. */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]{0,62}:\/\/)[^/?#\s@]*@/gi, '$1***@');
}

/**
 * A fake of the parts of the GitHub REST API that image-budget calls: a real HTTP server on
 * 127.0.0.1 with state in memory, answering with the shapes of @octokit/openapi-types, with
 * pagination Link headers, rate-limit headers on every answer, and scripted faults.
 *
 *   const gh = await startFakeGitHub();
 *   gh.addRepo('o', 'r'); gh.addPull('o', 'r', { number: 1, ... });
 *   const client = createGitHubClient({ token: gh.tokens.user, baseUrl: gh.url });
 *   ...
 *   await gh.stop();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { components } from '@octokit/openapi-types';

export type IssueComment = components['schemas']['issue-comment'];
export type SimpleUser = components['schemas']['simple-user'];
export type Label = components['schemas']['label'];
/** The fields of `pull-request-simple` the action reads, plus a few for realism. */
export type PullRequest = Pick<
  components['schemas']['pull-request-simple'],
  'id' | 'node_id' | 'number' | 'state' | 'title' | 'url' | 'html_url' | 'created_at' | 'updated_at' | 'draft'
> & {
  user: SimpleUser;
  head: { label: string; ref: string; sha: string; repo: { full_name: string; owner: { login: string }; fork: boolean } | null };
  base: { label: string; ref: string; sha: string; repo: { full_name: string; owner: { login: string }; fork: boolean } };
  labels: Label[];
};

/** Who a token belongs to. `installation` is GITHUB_TOKEN: `GET /user` answers 403. */
export interface TokenIdentity {
  user: SimpleUser;
  installation: boolean;
  /** A fork's pull_request token: reads work, writes answer 403. */
  readOnly: boolean;
}

/**
 * Rate limits come as GitHub's docs describe them, with a 403 or a 429 alike: the primary limit
 * with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`, a secondary one with a message that
 * says so and, when GitHub gives one, `retry-after`.
 */
export type Fault =
  | { status: 500 | 502 | 503 | 504 }
  | { status: 403 | 429; kind: 'secondary-rate-limit'; retryAfterSeconds?: number }
  | { status: 403 | 429; kind: 'primary-rate-limit'; resetInSeconds: number }
  | { status: 404 }
  | { status: 422; field?: string; message?: string }
  /** Accepts the request and never answers (until `stop()`): a hung API. */
  | { status: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  token: string | null;
  body: unknown;
  status: number;
  at: number;
}

interface ScriptedFault {
  method: string | null;
  path: RegExp;
  remaining: number;
  fault: Fault;
}

const DOCS = 'https://docs.github.com/rest';

export function fakeUser(login: string, id: number, type: 'User' | 'Bot' = 'User'): SimpleUser {
  const api = `https://api.github.com/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `https://github.com/${encodeURIComponent(login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    site_admin: false,
  };
}

export const ACTIONS_BOT = fakeUser('github-actions[bot]', 41898282, 'Bot');
/** The bot user of a GitHub App called `image-budget-app`: what its installation token writes as. */
export const APP_BOT = fakeUser('image-budget-app[bot]', 149000001, 'Bot');

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** Comments per `owner/repo#number`, in creation order. */
  readonly comments = new Map<string, IssueComment[]>();
  readonly pulls = new Map<string, PullRequest[]>();
  readonly repos = new Set<string>();
  /**
   * Built-in tokens: a PAT of `octocat`, GITHUB_TOKEN, a fork's read-only GITHUB_TOKEN, and a
   * GitHub App's installation token (`actions/create-github-app-token`), acting as `APP_BOT`.
   */
  readonly tokens = {
    user: 'pat-octocat',
    installation: 'ghs_installation',
    forkReadOnly: 'ghs_fork',
    app: 'ghs_app_installation',
  } as const;
  /** Added to every answer, in ms: lets concurrent clients interleave deterministically. */
  latencyMs = 0;
  /** Called with each request before it is answered: lets a test change state mid-flight (another run's write). */
  onRequest: ((request: RecordedRequest) => void) | null = null;
  private readonly identities = new Map<string, TokenIdentity>();
  private readonly faults: ScriptedFault[] = [];
  private nextId = 1000;
  private clock = Date.parse('2024-05-01T12:00:00Z');
  private rateRemaining = 5000;
  private server: http.Server | null = null;
  url = '';

  constructor() {
    this.addToken(this.tokens.user, { user: fakeUser('octocat', 583231), installation: false, readOnly: false });
    this.addToken(this.tokens.installation, { user: ACTIONS_BOT, installation: true, readOnly: false });
    this.addToken(this.tokens.forkReadOnly, { user: ACTIONS_BOT, installation: true, readOnly: true });
    this.addToken(this.tokens.app, { user: APP_BOT, installation: true, readOnly: false });
  }

  addToken(token: string, identity: TokenIdentity): void {
    this.identities.set(token, identity);
  }

  addRepo(owner: string, repo: string): void {
    this.repos.add(`${owner}/${repo}`);
  }

  addPull(
    owner: string,
    repo: string,
    pull: { number: number; headOwner: string; headRef: string; headSha: string; state?: 'open' | 'closed'; labels?: string[] },
  ): PullRequest {
    this.addRepo(owner, repo);
    const fullName = `${owner}/${repo}`;
    const api = `${this.url}/repos/${fullName}/pulls/${pull.number}`;
    const stamp = new Date(this.tick()).toISOString();
    const pr: PullRequest = {
      id: 1_000_000 + pull.number,
      node_id: `PR_${pull.number}`,
      number: pull.number,
      state: pull.state ?? 'open',
      title: `PR ${pull.number}`,
      url: api,
      html_url: `https://github.com/${fullName}/pull/${pull.number}`,
      created_at: stamp,
      updated_at: stamp,
      draft: false,
      user: fakeUser(pull.headOwner, 9000 + pull.number),
      head: {
        label: `${pull.headOwner}:${pull.headRef}`,
        ref: pull.headRef,
        sha: pull.headSha,
        repo: { full_name: `${pull.headOwner}/${repo}`, owner: { login: pull.headOwner }, fork: pull.headOwner !== owner },
      },
      base: {
        label: `${owner}:main`,
        ref: 'main',
        sha: 'b'.repeat(40),
        repo: { full_name: fullName, owner: { login: owner }, fork: false },
      },
      labels: (pull.labels ?? []).map((name, i) => ({
        id: 7000 + i,
        node_id: `LA_${i}`,
        url: `${this.url}/repos/${fullName}/labels/${encodeURIComponent(name)}`,
        name,
        description: null,
        color: 'ededed',
        default: false,
      })),
    };
    const list = this.pulls.get(fullName) ?? [];
    list.push(pr);
    this.pulls.set(fullName, list);
    return pr;
  }

  /** Adds a comment directly (not through the API): other people's comments, old runs'. */
  addComment(owner: string, repo: string, issue: number, body: string, user: SimpleUser = fakeUser('someone', 42)): IssueComment {
    return this.insertComment(`${owner}/${repo}`, issue, body, user);
  }

  commentsOn(owner: string, repo: string, issue: number): IssueComment[] {
    return this.comments.get(`${owner}/${repo}#${issue}`) ?? [];
  }

  /** The next `count` requests matching `method` + `path` (a pathname regexp) fail with `fault`. */
  fail(method: string | null, path: RegExp, count: number, fault: Fault): void {
    this.faults.push({ method: method?.toUpperCase() ?? null, path, remaining: count, fault });
  }

  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path));
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((err) => {
        if (err) reject(err);
        else resolve();
      }),
    );
  }

  private tick(): number {
    this.clock += 1000;
    return this.clock;
  }

  private insertComment(fullName: string, issue: number, body: string, user: SimpleUser): IssueComment {
    const id = this.nextId++;
    const stamp = new Date(this.tick()).toISOString();
    const comment: IssueComment = {
      id,
      node_id: `IC_${id}`,
      url: `${this.url}/repos/${fullName}/issues/comments/${id}`,
      html_url: `https://github.com/${fullName}/pull/${issue}#issuecomment-${id}`,
      body,
      user,
      created_at: stamp,
      updated_at: stamp,
      issue_url: `${this.url}/repos/${fullName}/issues/${issue}`,
      author_association: user.type === 'Bot' ? 'NONE' : 'MEMBER',
    };
    const key = `${fullName}#${issue}`;
    const list = this.comments.get(key) ?? [];
    list.push(comment);
    this.comments.set(key, list);
    return comment;
  }

  private findComment(fullName: string, id: number): { list: IssueComment[]; index: number } | null {
    for (const [key, list] of this.comments) {
      if (!key.startsWith(`${fullName}#`)) continue;
      const index = list.findIndex((c) => c.id === id);
      if (index >= 0) return { list, index };
    }
    return null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const auth = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '');
    const token = auth?.[1] ?? null;
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const record: RecordedRequest = { method, path: url.pathname, query: url.searchParams, token, body, status: 0, at: Date.now() };
    this.requests.push(record);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    this.onRequest?.(record);

    const answer = (status: number, data: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      // A fresh window instead of running dry: scripted faults model exhaustion explicitly.
      this.rateRemaining = this.rateRemaining <= 1 ? 5000 : this.rateRemaining - 1;
      const reset = Math.floor(Date.now() / 1000) + 3600;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-api-version-selected': '2022-11-28',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(this.rateRemaining),
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-used': String(5000 - this.rateRemaining),
        'x-ratelimit-resource': 'core',
        ...headers,
      });
      res.end(status === 204 ? undefined : JSON.stringify(data));
    };
    const error = (status: number, message: string, headers: Record<string, string> = {}, extra: object = {}): void => {
      answer(status, { message, documentation_url: DOCS, status: String(status), ...extra }, headers);
    };

    const fault = this.takeFault(method, url.pathname);
    if (fault) {
      this.answerFault(fault, error);
      return;
    }

    const identity = token ? this.identities.get(token) : undefined;
    if (!identity) {
      error(401, 'Bad credentials');
      return;
    }

    try {
      this.route(method, url, body, identity, answer, error);
    } catch (e) {
      error(500, `fake-github bug: ${(e as Error).message}`);
    }
  }

  private takeFault(method: string, path: string): Fault | null {
    const scripted = this.faults.find((f) => f.remaining > 0 && (f.method === null || f.method === method) && f.path.test(path));
    if (!scripted) return null;
    scripted.remaining--;
    return scripted.fault;
  }

  private answerFault(fault: Fault, error: (s: number, m: string, h?: Record<string, string>, x?: object) => void): void {
    switch (fault.status) {
      case 'hang':
        return;
      case 403:
      case 429:
        if (fault.kind === 'secondary-rate-limit') {
          error(
            fault.status,
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
          );
          return;
        }
        {
          error(fault.status, 'API rate limit exceeded for installation.', {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + fault.resetInSeconds),
          });
          return;
        }
      case 404: {
        error(404, 'Not Found');
        return;
      }
      case 422: {
        error(
          422,
          fault.message ?? 'Validation Failed',
          {},
          {
            errors: [
              { resource: 'IssueComment', code: 'custom', field: fault.field ?? 'body', message: `${fault.field ?? 'body'} is invalid` },
            ],
          },
        );
        return;
      }
      default: {
        error(fault.status, fault.status === 502 ? 'Server Error' : 'Service Unavailable');
        return;
      }
    }
  }

  private route(
    method: string,
    url: URL,
    body: unknown,
    identity: TokenIdentity,
    answer: (status: number, data: unknown, headers?: Record<string, string>) => void,
    error: (status: number, message: string, headers?: Record<string, string>, extra?: object) => void,
  ): void {
    const path = url.pathname;
    if (path === '/graphql' && method === 'POST') {
      this.graphql(body, identity, answer);
      return;
    }
    if (path === '/user' && method === 'GET') {
      if (identity.installation) {
        error(403, 'Resource not accessible by integration');
        return;
      }
      answer(200, identity.user);
      return;
    }
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path);
    if (!repoMatch) {
      error(404, 'Not Found');
      return;
    }
    const fullName = `${decodeURIComponent(repoMatch[1] ?? '')}/${decodeURIComponent(repoMatch[2] ?? '')}`;
    const rest = repoMatch[3] ?? '';
    if (!this.repos.has(fullName)) {
      error(404, 'Not Found');
      return;
    }
    const pulls = this.pulls.get(fullName) ?? [];
    const isWrite = method !== 'GET' && method !== 'HEAD';
    if (isWrite && identity.readOnly) {
      error(403, 'Resource not accessible by integration');
      return;
    }

    let m: RegExpExecArray | null;
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(m[1]);
      if (!pulls.some((p) => p.number === issue)) {
        error(404, 'Not Found');
        return;
      }
      if (method === 'GET') {
        this.paginate(url, this.commentsOn(...(fullName.split('/') as [string, string]), issue), answer);
        return;
      }
      if (method === 'POST') {
        const text = (body as { body?: unknown } | null)?.body;
        const invalid = this.validateBody(text);
        if (invalid) {
          error(422, 'Validation Failed', {}, { errors: [invalid] });
          return;
        }
        answer(201, this.insertComment(fullName, issue, text as string, identity.user));
        return;
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const found = this.findComment(fullName, Number(m[1]));
      if (!found) {
        error(404, 'Not Found');
        return;
      }
      const comment = found.list[found.index] as IssueComment;
      if (method === 'GET') {
        answer(200, comment);
        return;
      }
      // Only the author (or an admin, not modelled) may edit or delete a comment.
      if (comment.user?.login !== identity.user.login) {
        error(403, 'Must have admin rights to Repository.');
        return;
      }
      if (method === 'PATCH') {
        const text = (body as { body?: unknown } | null)?.body;
        const invalid = this.validateBody(text);
        if (invalid) {
          error(422, 'Validation Failed', {}, { errors: [invalid] });
          return;
        }
        comment.body = text as string;
        comment.updated_at = new Date(this.tick()).toISOString();
        answer(200, comment);
        return;
      }
      if (method === 'DELETE') {
        found.list.splice(found.index, 1);
        answer(204, null);
        return;
      }
    }
    if (rest === '/pulls' && method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      const list = pulls.filter(
        (p) =>
          (state === 'all' || p.state === state) &&
          (head === null || p.head.label === (head.includes(':') ? head : `${head}:${p.head.ref}`)),
      );
      this.paginate(url, list, answer);
      return;
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(rest)) && method === 'GET') {
      const pr = pulls.find((p) => p.number === Number(m?.[1]));
      if (pr) answer(200, pr);
      else error(404, 'Not Found');
      return;
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(rest)) && method === 'GET') {
      const pr = pulls.find((p) => p.number === Number(m?.[1]));
      if (pr) this.paginate(url, pr.labels, answer);
      else error(404, 'Not Found');
      return;
    }
    error(404, 'Not Found');
  }

  /**
   * POST /graphql, for the one query the action sends: `viewer { login }`, which GitHub answers
   * for personal and installation tokens alike, a bot as `<slug>[bot]`. Anything else gets a
   * GraphQL error (status 200, `errors`), as GitHub answers a query it cannot run.
   */
  private graphql(body: unknown, identity: TokenIdentity, answer: (status: number, data: unknown) => void): void {
    const query = typeof (body as { query?: unknown } | null)?.query === 'string' ? (body as { query: string }).query : '';
    if (/^\s*(query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query)) {
      answer(200, { data: { viewer: { login: identity.user.login } } });
      return;
    }
    answer(200, { errors: [{ message: `fake-github does not model this query: ${query.slice(0, 80)}` }] });
  }

  private validateBody(text: unknown): object | null {
    if (typeof text !== 'string' || text.length === 0) {
      return { resource: 'IssueComment', code: 'missing_field', field: 'body' };
    }
    // GitHub counts characters; code points is the closest cheap model.
    if (Array.from(text).length > 65_536) {
      return { resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' };
    }
    return null;
  }

  /** `per_page` (default 30, max 100) and `page`, with an RFC 5988 Link header. */
  private paginate(url: URL, items: unknown[], answer: (status: number, data: unknown, headers?: Record<string, string>) => void): void {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string): string => {
      const u = new URL(url.pathname, this.url);
      url.searchParams.forEach((v, k) => {
        u.searchParams.set(k, v);
      });
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(p));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    answer(200, items.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
  }
}

/** Starts a fake on 127.0.0.1:<random port>. Call `stop()` in `afterEach`/`afterAll`. */
export async function startFakeGitHub(): Promise<FakeGitHub> {
  const fake = new FakeGitHub();
  await fake.start();
  return fake;
}

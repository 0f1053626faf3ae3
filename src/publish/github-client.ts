/**
 * The one place a GitHub REST client is built: `@actions/github`'s Octokit plus a request hook
 * that retries what GitHub asks us to retry (5xx, 429, secondary rate limits) and turns every
 * failure into a {@link GitHubApiError} naming the endpoint, the status and GitHub's message.
 *
 * @actions/github 9 bundles only the REST-methods and paginate plugins (no retry/throttling),
 * hence the hook.
 */
import { getOctokit } from '@actions/github';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff step after a server error; doubles each attempt, with jitter. */
  baseDelayMs: number;
  /** Longest single wait, whatever `retry-after` says. */
  maxDelayMs: number;
  /** Give up rather than wait longer than this in total for one request. */
  maxTotalWaitMs: number;
  /**
   * First wait after a secondary rate limit that says nothing about when to retry (no
   * `retry-after`, no `x-ratelimit-remaining: 0`): GitHub's docs say "wait for at least one
   * minute", then exponentially longer if it persists. Doubles on each further one.
   */
  secondaryRateLimitMinMs: number;
  /** One attempt, from connecting to the last byte of the answer: a server that never answers is given up on. */
  attemptTimeoutMs: number;
  /** One request in all, attempts and waits together: past it, no further attempt starts. */
  requestBudgetMs: number;
  /** For tests: a fixed random source, a clock, and a sleep that need not wait. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Five attempts; a secondary rate limit without hints waits 1 min, then 2 min, and the request
 * gives up rather than wait past 3 min in all (the comment is not worth holding a job longer).
 */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 120_000,
  maxTotalWaitMs: 180_000,
  secondaryRateLimitMinMs: 60_000,
  attemptTimeoutMs: 30_000,
  requestBudgetMs: 180_000,
};

/**
 * For tests of a hung or unreachable API: `IMAGE_BUDGET_API_TIMEOUT_MS` (one attempt) and
 * `IMAGE_BUDGET_API_BUDGET_MS` (one request in all) shorten the limits; they never lengthen them.
 */
export function retryFromEnvironment(env: NodeJS.ProcessEnv = process.env): Partial<RetryOptions> {
  const read = (name: string, max: number): number | undefined => {
    const value = Number(env[name]);
    return Number.isSafeInteger(value) && value > 0 ? Math.min(value, max) : undefined;
  };
  const attemptTimeoutMs = read('IMAGE_BUDGET_API_TIMEOUT_MS', DEFAULT_RETRY.attemptTimeoutMs);
  const requestBudgetMs = read('IMAGE_BUDGET_API_BUDGET_MS', DEFAULT_RETRY.requestBudgetMs);
  return {
    ...(attemptTimeoutMs !== undefined ? { attemptTimeoutMs } : {}),
    ...(requestBudgetMs !== undefined ? { requestBudgetMs, maxTotalWaitMs: Math.min(requestBudgetMs, DEFAULT_RETRY.maxTotalWaitMs) } : {}),
  };
}

/** A failed GitHub API call, after retries: what was called, what came back, and why. */
export class GitHubApiError extends Error {
  constructor(
    message: string,
    readonly endpoint: string,
    readonly status: number,
    /** GitHub's own `message` from the error body. */
    readonly githubMessage: string,
    readonly attempts: number,
    /** The `errors` array of a 422 body: which field failed validation and why. */
    readonly details: { resource?: string; field?: string; code?: string; message?: string }[] = [],
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

export interface CreateGitHubClientOptions {
  token: string;
  /** `GITHUB_API_URL`; defaults to https://api.github.com. */
  baseUrl?: string;
  retry?: Partial<RetryOptions>;
  userAgent?: string;
}

export function createGitHubClient(opts: CreateGitHubClientOptions): GitHubClient {
  if (!opts.token) throw new Error('createGitHubClient: token is empty (set the "github-token" input)');
  const baseUrl = (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const client = getOctokit(opts.token, {
    baseUrl,
    userAgent: opts.userAgent ?? 'image-budget',
    // Retries are ours; keep Octokit from logging every 4xx we handle on purpose.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  installRetryHook(client, { ...DEFAULT_RETRY, ...retryFromEnvironment(), ...opts.retry });
  return client;
}

interface ErrorBody {
  message?: string;
  errors?: { resource?: string; field?: string; code?: string; message?: string }[];
}

type Headers = Record<string, string | number | undefined>;

/** The shape of Octokit's RequestError (not imported: it is only a transitive dependency). */
interface RequestError extends Error {
  status: number;
  response?: { headers?: Headers; data?: unknown };
}

function isRequestError(error: unknown): error is RequestError {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

function header(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return value === undefined ? undefined : String(value);
}

/** How long GitHub asked us to wait, or null when the response gives no hint. */
export function requestedWaitMs(status: number, headers: Headers | undefined, now = Date.now()): number | null {
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  if ((status === 403 || status === 429) && header(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(headers, 'x-ratelimit-reset'));
    if (Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
  }
  return null;
}

/**
 * A secondary rate limit, per GitHub's docs: a 403 or 429 whose message says so. A 429 that is
 * not the primary limit (`x-ratelimit-remaining: 0`) is treated as one too.
 */
export function isSecondaryRateLimit(status: number, headers: Headers | undefined, message: string): boolean {
  if (status !== 403 && status !== 429) return false;
  if (header(headers, 'x-ratelimit-remaining') === '0') return false;
  return status === 429 || /secondary rate limit|abuse detection/i.test(message);
}

/** Transient per GitHub's docs: server errors, 429, and 403s that are rate limits. */
export function isRetryable(status: number, headers: Headers | undefined, message: string): boolean {
  if (status >= 500 || status === 429 || status === 0) return true;
  if (status !== 403) return false;
  return header(headers, 'retry-after') !== undefined || header(headers, 'x-ratelimit-remaining') === '0' || /rate limit/i.test(message);
}

function hostOf(client: GitHubClient): string {
  try {
    return new URL(client.request.endpoint.DEFAULTS.baseUrl).host;
  } catch {
    return 'the API';
  }
}

type EndpointOptions = Parameters<GitHubClient['request']['endpoint']['parse']>[0];

/** "PATCH /repos/o/r/issues/comments/7": the filled-in path, never the token. */
function describeEndpoint(client: GitHubClient, options: EndpointOptions): string {
  try {
    const { method, url } = client.request.endpoint.parse(options);
    return `${method} ${new URL(url).pathname}`;
  } catch {
    return `${String((options as { method?: string }).method ?? 'GET')} ${String((options as { url?: string }).url ?? '?')}`;
  }
}

function messageOf(error: RequestError): { text: string; body: ErrorBody } {
  const data = error.response?.data;
  const body: ErrorBody = data && typeof data === 'object' ? (data as ErrorBody) : {};
  const text = body.message ?? (typeof data === 'string' && data ? data.slice(0, 200) : error.message);
  return { text, body };
}

const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stopped coming',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
};

/**
 * Why a request got no HTTP answer at all (refused, DNS, timeout), or null when it got one.
 * Octokit reports these as status 500 without a response; the reason is in the cause chain.
 */
export function connectionProblem(error: unknown, attemptTimeoutMs: number): string | null {
  if (!(error instanceof Error)) return null;
  if ((error as RequestError).response !== undefined) return null;
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 6; cause = cause.cause, depth++) {
    if (cause.name === 'TimeoutError') return `no answer within ${seconds(attemptTimeoutMs)}`;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && CONNECT_CODES[code]) return `${CONNECT_CODES[code]} (${code})`;
  }
  if (error.name === 'AbortError' || /fetch failed|socket|network/i.test(error.message)) return error.message;
  return null;
}

function toApiError(error: unknown, endpoint: string, attempts: number, gaveUp: string | null): GitHubApiError {
  if (!isRequestError(error)) {
    const text = error instanceof Error ? error.message : String(error);
    return new GitHubApiError(`GitHub API ${endpoint} failed: ${text}`, endpoint, 0, text, attempts);
  }
  const { text, body } = messageOf(error);
  const details = Array.isArray(body.errors) ? body.errors : [];
  const fields = details
    .map((d) => [d.field && `field "${d.field}"`, d.message ?? d.code].filter(Boolean).join(': '))
    .filter((s) => s !== '');
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const why = gaveUp ? ` (${gaveUp})` : '';
  const message =
    `GitHub API ${endpoint} failed with ${error.status}${tries}${why}: ${text}` + (fields.length > 0 ? ` (${fields.join('; ')})` : '');
  return new GitHubApiError(message, endpoint, error.status, text, attempts, details);
}

function backoffMs(attempt: number, retry: RetryOptions, random: () => number): number {
  const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  // "Equal jitter": at least half the step, so concurrent runs spread out but still back off.
  return Math.round(cap / 2 + random() * (cap / 2));
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)}s`;
}

function installRetryHook(client: GitHubClient, retry: RetryOptions): void {
  const random = retry.random ?? Math.random;
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = retry.now ?? Date.now;
  client.hook.wrap('request', async (request, options) => {
    const endpoint = describeEndpoint(client, options);
    const started = now();
    let waited = 0;
    let secondaryHits = 0;
    for (let attempt = 1; ; attempt++) {
      const left = retry.requestBudgetMs - (now() - started);
      const timeout = Math.max(1, Math.min(retry.attemptTimeoutMs, left));
      try {
        // Set on `options` itself: the inner hooks (auth) were bound to this object, so a copy would be ignored.
        options.request = { ...options.request, signal: AbortSignal.timeout(timeout) };
        return await request(options);
      } catch (error) {
        const unreachable = connectionProblem(error, timeout);
        if (unreachable !== null) {
          const elapsed = now() - started;
          const delay = backoffMs(attempt, retry, random);
          if (attempt >= retry.maxAttempts || elapsed + delay >= retry.requestBudgetMs) {
            throw new GitHubApiError(
              `GitHub API ${endpoint} could not connect to ${hostOf(client)}: ${unreachable}` +
                `${attempt > 1 ? ` (gave up after ${attempt} attempts in ${seconds(elapsed)})` : ''}`,
              endpoint,
              0,
              unreachable,
              attempt,
            );
          }
          waited += delay;
          await sleep(delay);
          continue;
        }
        if (!isRequestError(error)) throw toApiError(error, endpoint, attempt, null);
        const headers = error.response?.headers;
        const { text } = messageOf(error);
        if (!isRetryable(error.status, headers, text)) throw toApiError(error, endpoint, attempt, null);
        if (attempt >= retry.maxAttempts) {
          throw toApiError(error, endpoint, attempt, `gave up after ${attempt} attempts`);
        }
        const asked = requestedWaitMs(error.status, headers, now());
        const secondary = asked === null && isSecondaryRateLimit(error.status, headers, text);
        let delay: number;
        if (asked !== null) delay = asked;
        else if (secondary) {
          // At least the docs' minute, doubling while it persists; a little later, never earlier,
          // so parallel jobs do not all come back at once.
          const step = retry.secondaryRateLimitMinMs * 2 ** secondaryHits++;
          delay = Math.round(step * (1 + random() * 0.1));
        } else delay = backoffMs(attempt, retry, random);
        if (delay > retry.maxDelayMs || waited + delay > retry.maxTotalWaitMs) {
          const limit = Math.min(retry.maxDelayMs, retry.maxTotalWaitMs - waited);
          throw toApiError(
            error,
            endpoint,
            attempt,
            secondary
              ? `secondary rate limit, no retry-after: GitHub asks to wait at least a minute, longer each time; ` +
                  `gave up after ${attempt} attempts and ${seconds(waited)} of waiting rather than wait ${seconds(delay)} more ` +
                  `(${seconds(retry.maxTotalWaitMs)} allowed in all)`
              : `retrying would mean waiting ${seconds(delay)}, over the limit of ${seconds(limit)}`,
          );
        }
        waited += delay;
        await sleep(delay);
      }
    }
  });
}

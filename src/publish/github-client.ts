/**
 * The one place a GitHub REST client is built: `@actions/github`'s Octokit with
 * @octokit/plugin-retry (server errors, failed connections) and @octokit/plugin-throttling
 * (primary and secondary rate limits), both held to one policy (github-retry-policy.ts): a
 * timeout per attempt, a budget per request, and waits that must fit it. Every failure becomes
 * a {@link GitHubApiError} naming the endpoint, the status and GitHub's message.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import {
  decideRetry,
  DEFAULT_RETRY,
  retryFromEnvironment,
  seconds,
  serverErrorWaitMs,
  type FailureKind,
  type RetryOptions,
} from './github-retry-policy.js';

export { DEFAULT_RETRY, retryFromEnvironment, type RetryOptions } from './github-retry-policy.js';

export type GitHubClient = ReturnType<typeof getOctokit>;

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

/**
 * Every 4xx is the caller's to handle, or the throttling plugin's (403 and 429 rate limits):
 * plugin-retry takes only 5xx and failed connections, which Octokit reports as 500.
 */
const CLIENT_ERRORS = Array.from({ length: 100 }, (_, i) => 400 + i);

export function createGitHubClient(opts: CreateGitHubClientOptions): GitHubClient {
  if (!opts.token) throw new Error('createGitHubClient: token is empty (set the "github-token" input)');
  const limits: RetryOptions = { ...DEFAULT_RETRY, ...retryFromEnvironment(), ...opts.retry };
  const baseUrl = (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const requests = new RequestLog();
  const onRateLimit =
    (kind: FailureKind) =>
    (retryAfterSeconds: number, options: object): boolean =>
      requests.allowRateLimitRetry(options, kind, retryAfterSeconds, limits);
  const client = getOctokit(
    opts.token,
    {
      baseUrl,
      userAgent: opts.userAgent ?? 'image-budget',
      // Failures reach the caller as GitHubApiError; keep Octokit from logging the 4xx we handle on purpose.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      retry: { retries: limits.maxAttempts - 1, retryAfterBaseValue: limits.baseDelayMs, doNotRetry: CLIENT_ERRORS },
      throttle: {
        onRateLimit: onRateLimit('primary-rate-limit'),
        onSecondaryRateLimit: onRateLimit('secondary-rate-limit'),
        fallbackSecondaryRateRetryAfter: limits.secondaryRateLimitWaitMs / 1000,
        retryAfterBaseValue: limits.rateLimitSecondMs,
        // Writes one at a time, as GitHub asks, but not 1 s apart (3 s for comments), the plugin's
        // spacing for bulk writers: a job makes a few writes in a row, and would only wait longer.
        write: oneAtATime(),
        notifications: oneAtATime(),
      },
    },
    // Listed first, so its hook runs inside both plugins: once per attempt.
    eachAttempt(requests, limits),
    retry,
    throttling,
  );
  // Outside both plugins: once per request, after every retry.
  client.hook.wrap('request', async (request, options) => {
    const progress = requests.start(options);
    try {
      return await request(options);
    } catch (error) {
      throw toApiError(error, describeEndpoint(client, options), progress, hostOf(client));
    }
  });
  return client;
}

function oneAtATime(): Bottleneck.Group {
  return new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 });
}

/** One request's attempts and waits, shared by the hooks and the plugins' limit handlers. */
interface RequestProgress {
  startedAt: number;
  attempts: number;
  /** Time spent in attempts. */
  attemptsMs: number;
  /** Time waited between them, as GitHub counts it (tests shorten a rate limit's real wait). */
  waitedMs: number;
  /** The timeout of the latest attempt: what "no answer within …" reports. */
  attemptTimeoutMs: number;
  lastError: unknown;
  /** Why the last failure was not retried, when a limit said so. */
  gaveUp: string | null;
}

/**
 * Progress per request, keyed by its options object: Octokit hands the same object to every
 * hook of one request and the throttling plugin passes it to its limit handlers.
 */
class RequestLog {
  private readonly byOptions = new WeakMap<object, RequestProgress>();

  start(options: object): RequestProgress {
    const progress: RequestProgress = {
      startedAt: Date.now(),
      attempts: 0,
      attemptsMs: 0,
      waitedMs: 0,
      attemptTimeoutMs: 0,
      lastError: null,
      gaveUp: null,
    };
    this.byOptions.set(options, progress);
    return progress;
  }

  of(options: object): RequestProgress {
    return this.byOptions.get(options) ?? this.start(options);
  }

  /** Called by plugin-throttling: true lets it wait `retryAfterSeconds` (× rateLimitSecondMs) and try again. */
  allowRateLimitRetry(options: object, kind: FailureKind, retryAfterSeconds: number, limits: RetryOptions): boolean {
    const progress = this.of(options);
    const hinted = kind === 'primary-rate-limit' || headersOf(progress.lastError)?.['retry-after'] !== undefined;
    return this.decide(progress, kind, retryAfterSeconds * 1000, hinted, limits);
  }

  decide(progress: RequestProgress, kind: FailureKind, waitMs: number, hinted: boolean, limits: RetryOptions): boolean {
    const soFar = { attempts: progress.attempts, waitedMs: progress.waitedMs, elapsedMs: elapsedMs(progress) };
    const decision = decideRetry({ kind, waitMs, hinted }, soFar, limits);
    if (decision.retry) progress.waitedMs += waitMs;
    else progress.gaveUp = decision.reason;
    return decision.retry;
  }
}

/**
 * The per-attempt hook: counts the attempt, gives it a timeout (never past the request's
 * budget), and after a server error or a failed connection tells plugin-retry, through the
 * request's documented `request.retries` option, when no further attempt fits.
 */
function eachAttempt(requests: RequestLog, limits: RetryOptions) {
  return (octokit: { hook: GitHubClient['hook'] }): void => {
    octokit.hook.wrap('request', async (request, options) => {
      const progress = requests.of(options);
      progress.attempts += 1;
      progress.gaveUp = null;
      const left = limits.requestBudgetMs - elapsedMs(progress);
      progress.attemptTimeoutMs = Math.max(1, Math.min(limits.attemptTimeoutMs, left));
      // Set on `options` itself: the inner hooks (auth) were bound to this object, so a copy would be ignored.
      options.request = { ...options.request, signal: AbortSignal.timeout(progress.attemptTimeoutMs) };
      const began = Date.now();
      try {
        return await request(options);
      } catch (error) {
        progress.attemptsMs += Date.now() - began;
        progress.lastError = error;
        const status = statusOf(error);
        if (status !== null && status >= 500) {
          const kind = connectionProblem(error, progress.attemptTimeoutMs) === null ? 'server-error' : 'unreachable';
          const waitMs = serverErrorWaitMs(countOf(options.request.retryCount), limits);
          // plugin-retry reads it right after this hook, before it schedules the next attempt.
          if (!requests.decide(progress, kind, waitMs, true, limits)) options.request.retries = 0;
        }
        throw error;
      }
    });
  };
}

/** The request's time by its own clock: its attempts, and its waits as GitHub counts them. */
function elapsedMs(progress: RequestProgress): number {
  return progress.attemptsMs + progress.waitedMs;
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
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

function statusOf(error: unknown): number | null {
  return isRequestError(error) ? error.status : null;
}

function headersOf(error: unknown): Headers | undefined {
  return isRequestError(error) ? error.response?.headers : undefined;
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
    const { method, url } = options as { method?: string; url?: string };
    return `${method ?? 'GET'} ${url ?? '?'}`;
  }
}

function messageOf(error: RequestError): { text: string; body: ErrorBody } {
  const data = error.response?.data;
  const body: ErrorBody = data && typeof data === 'object' ? data : {};
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

function toApiError(error: unknown, endpoint: string, progress: RequestProgress, host: string): GitHubApiError {
  const attempts = Math.max(1, progress.attempts);
  const unreachable = connectionProblem(error, progress.attemptTimeoutMs);
  if (unreachable !== null) {
    const elapsed = Date.now() - progress.startedAt;
    return new GitHubApiError(
      `GitHub API ${endpoint} could not connect to ${host}: ${unreachable}` +
        (attempts > 1 ? ` (gave up after ${String(attempts)} attempts in ${seconds(elapsed)})` : ''),
      endpoint,
      0,
      unreachable,
      attempts,
    );
  }
  if (!isRequestError(error)) {
    const text = error instanceof Error ? error.message : String(error);
    return new GitHubApiError(`GitHub API ${endpoint} failed: ${text}`, endpoint, 0, text, attempts);
  }
  const { text, body } = messageOf(error);
  const details = Array.isArray(body.errors) ? body.errors : [];
  const fields = details
    .map((d) => [d.field && `field "${d.field}"`, d.message ?? d.code].filter(Boolean).join(': '))
    .filter((s) => s !== '');
  const tries = attempts > 1 ? ` after ${String(attempts)} attempts` : '';
  const why = progress.gaveUp !== null ? ` (${progress.gaveUp})` : '';
  const message =
    `GitHub API ${endpoint} failed with ${String(error.status)}${tries}${why}: ${text}` +
    (fields.length > 0 ? ` (${fields.join('; ')})` : '');
  return new GitHubApiError(message, endpoint, error.status, text, attempts, details);
}

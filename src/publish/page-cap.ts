/**
 * A cap on how many pages a listing follows GitHub's `Link: rel="next"` for, so a listing that
 * never ends (a broken or hostile API, or a PR with absurdly many comments) cannot hold the job.
 * Pass `keep` as octokit's paginate map function; `truncated` then says whether pages were left.
 */
export interface PageCap {
  keep: <T>(response: { headers: { link?: string }; data: T }, done: () => void) => T;
  readonly truncated: boolean;
}

export function capPages(maxPages: number): PageCap {
  let pages = 0;
  let truncated = false;
  return {
    keep(response, done) {
      pages += 1;
      if (pages >= maxPages && /rel="next"/.test(response.headers.link ?? '')) {
        truncated = true;
        done();
      }
      return response.data;
    },
    get truncated() {
      return truncated;
    },
  };
}

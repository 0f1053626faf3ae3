/** A mistake in how the CLI was called (flags, arguments, what `init` finds): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

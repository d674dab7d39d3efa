/**
 * One process-wide budget for buffered upstream answers. Each answer has its own limit, but
 * sixteen concurrent 32 MB answers still took a server from 193 to 653 MB: past the budget, a new
 * buffered read is refused (the client gets a 503 and may retry) instead of the process growing
 * until the kernel or Lambda ends it.
 */
export class MemoryBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** Thrown by a read that the budget could not take. */
export class BudgetExceeded extends Error {
  constructor(limit: number) {
    super(`the process-wide budget of ${limit} bytes for buffered answers is in use`);
    this.name = 'BudgetExceeded';
  }
}

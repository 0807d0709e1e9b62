export interface MicroBatcherOptions<T, R> {
  /** Runs several items together; must return one result per item, in order. */
  run: (items: T[]) => Promise<R[]>;
  /** An item's weight against maxBatchSize (rows). */
  size: (item: T) => number;
  /** Items are combined until their sizes would exceed this; a larger item runs alone. */
  maxBatchSize: number;
  /** Batches allowed to run at once (default 1): items arriving meanwhile wait and are combined. */
  maxConcurrency?: number;
  /** How long an idle batcher waits for more items before running (default 0: the same event-loop turn only). */
  windowMs?: number;
}

interface Pending<T, R> {
  item: T;
  size: number;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Adaptive micro-batching: an item arriving when nothing runs starts at once (after the current event-loop turn,
 * so items that arrived together go together); items arriving while a batch runs queue up and go as one batch,
 * up to maxBatchSize, when it finishes. The busier the server, the larger the batches; idle, no added latency.
 */
export class MicroBatcher<T, R> {
  private queue: Pending<T, R>[] = [];
  private queuedSize = 0;
  private running = 0;
  private scheduled = false;
  private readonly maxConcurrency: number;

  constructor(private readonly options: MicroBatcherOptions<T, R>) {
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 1);
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => this.enqueue(item, resolve, reject));
  }

  /**
   * submit() with callbacks instead of a promise, for the hot path: one of them is called once, after the batch runs.
   * The callbacks must not throw.
   */
  enqueue(item: T, resolve: (result: R) => void, reject: (err: unknown) => void): void {
    const size = this.options.size(item);
    this.queue.push({ item, size, resolve, reject });
    this.queuedSize += size;
    this.schedule();
  }

  /** Items waiting plus batches running: 0 when idle. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.running >= this.maxConcurrency) return; // a finishing batch reschedules
    if (this.queuedSize >= this.options.maxBatchSize) return this.dispatch();
    if (this.scheduled) return;
    this.scheduled = true;
    const fire = () => {
      this.scheduled = false;
      this.dispatch();
    };
    if (this.options.windowMs) setTimeout(fire, this.options.windowMs);
    else setImmediate(fire);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.running < this.maxConcurrency) {
      let batch: Pending<T, R>[] = [];
      let size = 0;
      if (this.queuedSize <= this.options.maxBatchSize) {
        // Everything waiting fits: take the queue whole instead of shifting item by item.
        batch = this.queue;
        this.queue = [];
        size = this.queuedSize;
      }
      while (this.queue.length > 0 && (batch.length === 0 || size + this.queue[0].size <= this.options.maxBatchSize)) {
        const next = this.queue.shift()!;
        batch.push(next);
        size += next.size;
      }
      this.queuedSize -= size;
      this.running++;
      void this.execute(batch).finally(() => {
        this.running--;
        this.schedule();
      });
    }
  }

  private async execute(batch: Pending<T, R>[]): Promise<void> {
    let results: R[];
    try {
      const items = new Array<T>(batch.length);
      for (let i = 0; i < batch.length; i++) items[i] = batch[i].item;
      results = await this.options.run(items);
      if (results.length !== batch.length) {
        throw new Error(`batch runner returned ${results.length} results for ${batch.length} items`);
      }
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      // One bad item must not fail its neighbours: run each alone so every item gets its own result or error.
      for (const p of batch) {
        await this.options.run([p.item]).then(
          (results) => p.resolve(results[0]),
          (e: unknown) => p.reject(e),
        );
      }
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
  }
}

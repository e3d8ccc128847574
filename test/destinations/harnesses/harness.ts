import { it } from 'vitest';
import type {
  DeliveryRecord,
  DeliveryResult,
  FailedRecord,
  FailureFields,
} from '../../../lib/core/destinations/contract.ts';
import type { RetryPorts } from '../../../lib/core/destinations/retry-driver.ts';
import type { PutObjectInput } from '../../../lib/core/ports.ts';
import { FakeClock } from '../../support/fake-clock.ts';

/**
 * The destination contract (STYLE.md, issue 5): each case every writer must meet, by its title. A writer to which
 * a case cannot apply names it in `notApplicable` with the reason, and the suite reports it skipped with that reason.
 */
export const CONTRACT = {
  readable: 'delivers a batch whose records are then readable at the destination',
  retriable: 'retries a retriable failure with backoff, then delivers each record once',
  retryWindow:
    'gives up on a retriable failure when the retry window closes, returning every record as failed',
  permanent: 'reports permanent failures with the destination code and fields for the error output (§4.2)',
  partial: 'retries only the items that failed',
  noDuplicate: 'does not duplicate records when a retried request had already landed',
} as const;
export type ContractCase = keyof typeof CONTRACT;

/** A contract case, or the same title skipped with the harness's reason where the case cannot apply. */
export function contractCase(
  harness: { notApplicable: Partial<Record<ContractCase, string>> },
  name: ContractCase,
  test: () => Promise<void>,
): void {
  const reason = harness.notApplicable[name];
  if (reason === undefined) it(CONTRACT[name], test);
  else it.skip(`${CONTRACT[name]} (does not apply: ${reason})`, test);
}

/** What the contract suite needs from one destination: a real writer against a real (or stand-in) server. */
export interface DestinationHarness {
  readonly name: string;
  /** Cases that cannot apply to this destination, each with the reason (e.g. `partial` for all-or-nothing writes). */
  readonly notApplicable: Partial<Record<ContractCase, string>>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** An empty destination with no injected faults. */
  reset(): Promise<void>;
  deliver(records: readonly DeliveryRecord[], retryDurationSeconds?: number): Promise<Delivery>;
  /** The documents now at the destination, as JSON objects. */
  readDelivered(): Promise<Array<Record<string, unknown>>>;
  /** The next `attempts` attempts fail in a way a retry can fix. */
  failTransiently(attempts: number): void;
  /** The code those failures carry (§8, §9, §10.4). */
  readonly transientErrorCode: string;
  /** Makes the destination refuse `records` for good; what the failed records must then look like. */
  failPermanently(records: readonly DeliveryRecord[]): Promise<PermanentFailure>;
  /**
   * What the error output holds for a failed record: the §4.2 document Sluice writes for it (HTTP endpoint,
   * OpenSearch) or, for Redshift, the error manifest its skipped batch left in the intermediate bucket (§8).
   */
  errorOutputOf(failed: FailedRecord): Promise<Record<string, unknown>>;
  /** The next attempt reaches the destination but its acknowledgement is lost. */
  loseNextAcknowledgement?(): void;
  /** The next `items` items of a batch fail retriably while the others are delivered. */
  failItems?(items: number): void;
  /** Records (items) carried by each attempt so far. */
  itemsPerAttempt?(): number[];
}

export interface PermanentFailure {
  /** The records to deliver (the destination may need them altered to refuse them). */
  records: readonly DeliveryRecord[];
  errorCode: string;
  fields(record: DeliveryRecord): FailureFields;
  /** Attempts the failed records must show. */
  attemptsMade: number;
  /** The error output expected for a failed record, keys in the order Firehose writes them (§4.2, §8). */
  errorOutput(record: DeliveryRecord): Record<string, unknown>;
  retryDurationSeconds: number;
}

export interface Delivery {
  result: DeliveryResult;
  /** Each backoff the driver asked for, in ms. */
  sleeps: number[];
}

export const START_MS = Date.UTC(2016, 1, 25, 13, 0, 0);

/** Ports with a fake clock: a sleep advances it at once, so no test waits for a backoff. */
export function fakeRetryPorts(): RetryPorts & { clock: FakeClock; sleeps: number[] } {
  const clock = new FakeClock(START_MS);
  const sleeps: number[] = [];
  return {
    clock,
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    // No jitter, so backoffs are exact: 1 s, 2 s, 4 s …
    jitter: () => 0.5,
  };
}

export function jsonRecords(count: number, from = 1): DeliveryRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const id = from + i;
    return {
      recordId: `rec-${String(id).padStart(6, '0')}`,
      arrivalMs: START_MS,
      data: new TextEncoder().encode(JSON.stringify({ id, name: `name-${id}` })),
    };
  });
}

/** An in-memory object store (the intermediate bucket), readable back. */
export class MemoryObjectStore {
  readonly objects = new Map<string, { body: Uint8Array; input: PutObjectInput }>();

  async putObject(input: PutObjectInput): Promise<void> {
    const parts = input.body instanceof Uint8Array ? [input.body] : input.body;
    this.objects.set(`${input.bucket}/${input.key}`, {
      body: Buffer.concat(parts.map((p) => Buffer.from(p))),
      input,
    });
  }

  async getObject(bucket: string, key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(`${bucket}/${key}`)?.body;
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }
}

export class SequentialIds {
  private n = 0;
  uuid(): string {
    this.n++;
    return `00000000-0000-4000-8000-${String(this.n).padStart(12, '0')}`;
  }
  randomString(length: number): string {
    return 'a'.repeat(length);
  }
}

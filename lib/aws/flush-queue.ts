import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** The body of a flush message. */
export interface FlushMessage {
  flushId: string;
}

/** Where sealed flushes go to be run by the flush Lambda. */
export interface FlushQueue {
  enqueue(message: FlushMessage): Promise<void>;
}

export class SqsFlushQueue implements FlushQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(message: FlushMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }),
    );
  }
}

export function parseFlushMessage(body: string): FlushMessage {
  const parsed = JSON.parse(body) as { flushId?: unknown };
  if (typeof parsed.flushId !== 'string' || parsed.flushId === '') {
    throw new Error('A flush message needs a non-empty flushId');
  }
  return { flushId: parsed.flushId };
}

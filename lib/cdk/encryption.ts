import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export enum StreamEncryptionType {
  UNENCRYPTED = 'UNENCRYPTED',
  AWS_OWNED = 'AWS_OWNED',
  CUSTOMER_MANAGED = 'CUSTOMER_MANAGED',
}

/**
 * Encryption at rest of everything a delivery stream buffers: the Kinesis stream, staged chunks, the buffer
 * ledger and the flush queues (Firehose's DeliveryStreamEncryptionConfigurationInput, spec §13).
 */
export class StreamEncryption {
  /** Nothing encrypted with KMS (S3 still applies SSE-S3); producers see `Encrypted: false`. */
  static unencrypted(): StreamEncryption {
    return new StreamEncryption(StreamEncryptionType.UNENCRYPTED);
  }

  /** AWS managed and owned keys (no key to manage). The default. */
  static awsOwnedKey(): StreamEncryption {
    return new StreamEncryption(StreamEncryptionType.AWS_OWNED);
  }

  /** A customer managed key, given or created (with rotation) by the stream. */
  static customerManagedKey(encryptionKey?: kms.IKey): StreamEncryption {
    return new StreamEncryption(StreamEncryptionType.CUSTOMER_MANAGED, encryptionKey);
  }

  private constructor(
    readonly type: StreamEncryptionType,
    readonly encryptionKey?: kms.IKey,
  ) {}

  /** The key to use, created in `scope` when customer managed without a given key. */
  resolveKey(scope: Construct): kms.IKey | undefined {
    if (this.type !== StreamEncryptionType.CUSTOMER_MANAGED) return undefined;
    return (
      this.encryptionKey ??
      new kms.Key(scope, 'Key', { enableKeyRotation: true, description: `Sluice ${scope.node.path}` })
    );
  }
}

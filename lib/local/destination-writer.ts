import type { ResolvedStream, WriterDestination } from '../core/config/resolved.ts';
import type { DestinationWriter } from '../core/destinations/contract.ts';
import { createHttpEndpointWriter } from '../core/destinations/http-endpoint/writer.ts';
import type { OpenSearchSettings } from '../core/destinations/opensearch/config.ts';
import { createOpenSearchWriter } from '../core/destinations/opensearch/writer.ts';
import type { RedshiftSettings } from '../core/destinations/redshift/config.ts';
import { createRedshiftWriter, type RedshiftWriter } from '../core/destinations/redshift/writer.ts';
import { SluiceError } from '../core/errors.ts';
import type {
  BulkIndexClient,
  Clock,
  HttpTransport,
  IdSource,
  ObjectStore,
  SqlClient,
} from '../core/ports.ts';

/** What a stream needs to build its destination writer; the runtime shares one set across streams. */
export interface DestinationPorts {
  /** Sends HTTP endpoint deliveries (spec §10). */
  http?: HttpTransport;
  /** The `_bulk` client for an OpenSearch destination's cluster (spec §9). */
  bulkClient?: (settings: OpenSearchSettings) => BulkIndexClient;
  /** The database a Redshift destination COPYs into (spec §8); throws what makes the destination unusable. */
  redshiftSql?: (settings: RedshiftSettings) => Promise<SqlClient>;
}

/** A stream's writer with the metric prefix its deliveries are counted under (spec §11). */
export type BuiltWriter =
  | {
      kind: 'HttpEndpoint' | 'OpenSearch';
      writer: DestinationWriter;
      metric: 'DeliveryToHttpEndpoint' | 'DeliveryToAmazonOpenSearchService';
    }
  | { kind: 'Redshift'; writer: RedshiftWriter; metric: 'DeliveryToRedshift' };

/**
 * Builds the writer for a stream's configuration. One per stream and configuration: the Redshift writer queues
 * the stream's COPYs one behind the other (§8 step 2), so every batch must go through the same one.
 */
export async function buildDestinationWriter(
  stream: ResolvedStream,
  destination: WriterDestination,
  ports: DestinationPorts & { ids: IdSource; clock: Clock; store: ObjectStore },
): Promise<BuiltWriter> {
  switch (destination.kind) {
    case 'HttpEndpoint': {
      if (!ports.http) throw new SluiceError('NoHttpTransport', 'This runtime has no HTTP transport.');
      const writer = createHttpEndpointWriter(destination.settings, {
        transport: ports.http,
        ids: ports.ids,
        clock: ports.clock,
        sourceArn: stream.arn,
      });
      return { kind: 'HttpEndpoint', writer, metric: 'DeliveryToHttpEndpoint' };
    }
    case 'OpenSearch': {
      const client = ports.bulkClient?.(destination.settings);
      if (!client) throw new SluiceError('NoBulkClient', 'This runtime has no OpenSearch client.');
      return {
        kind: 'OpenSearch',
        writer: createOpenSearchWriter(destination.settings, client),
        metric: 'DeliveryToAmazonOpenSearchService',
      };
    }
    case 'Redshift': {
      const sql = await ports.redshiftSql?.(destination.settings);
      if (!sql) throw new SluiceError('NoSqlClient', 'This runtime has no Redshift SQL client.');
      const writer = createRedshiftWriter(destination.settings, {
        objects: ports.store,
        sql,
        ids: ports.ids,
        clock: ports.clock,
        streamName: stream.name,
        versionId: stream.versionId,
      });
      return { kind: 'Redshift', writer, metric: 'DeliveryToRedshift' };
    }
  }
}

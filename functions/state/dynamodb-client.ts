/**
 * The DynamoDB client modelgate uses: short timeouts and few retries, because the table is on the
 * request path and the store fails open — a slow table must cost milliseconds, not seconds.
 * Endpoint and region come from the standard AWS settings (AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL, AWS_REGION), which is how tests and `modelgate serve` reach dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

interface TableClientOptions {
  /** Per-call timeout, ms. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  maxAttempts?: number;
}

export function createTableClient(options: TableClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 1_000,
      // Without it the SDK only warns when the timeout passes and keeps waiting: a hung table would
      // hold the request, and failing open would never happen.
      throwOnRequestTimeout: true,
      connectionTimeout: options.connectionTimeoutMs ?? 500,
    },
  });
}

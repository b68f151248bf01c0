// One S3Client per container. Region, credentials and endpoint (AWS_ENDPOINT_URL locally) come from the environment.
import { S3Client } from '@aws-sdk/client-s3';

export const s3 = new S3Client({});

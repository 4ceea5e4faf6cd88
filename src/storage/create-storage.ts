import path from 'node:path';
import type { Config } from '../config/config.ts';
import { LocalFileStorage } from './local-storage.ts';
import type { FileStorage } from './types.ts';

/**
 * The configured backend (FILE_STORAGE_BACKEND). The S3 and Supabase SDKs are loaded only when
 * chosen, so a local installation does not pay for them at start.
 */
export async function createFileStorage(
  config: Config,
  options: { secret: string; publicUrl: () => string },
): Promise<FileStorage> {
  const { storage } = config;
  switch (storage.backend) {
    case 'local':
      return new LocalFileStorage(path.join(config.home, 'files'), options.secret, options.publicUrl);
    case 's3': {
      const { S3FileStorage } = await import('./s3-storage.ts');
      return new S3FileStorage({ ...storage.s3, bucket: storage.s3.bucket! });
    }
    case 'supabase': {
      const { SupabaseFileStorage } = await import('./supabase-storage.ts');
      return new SupabaseFileStorage({
        url: config.supabase.url!,
        serviceRoleKey: config.supabase.serviceRoleKey!,
        bucket: storage.supabaseBucket,
      });
    }
  }
}

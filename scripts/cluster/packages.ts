// Which programs the local test servers run (the Ceph RGW cluster, redis-server), and which
// Debian packages provide them.
import { findExecutable } from './processes.ts';

/** Debian 12 packages (Ceph 16.2 "Pacific"); about 69 MB to download. */
export const CEPH_PACKAGES = ['radosgw', 'ceph-mon', 'ceph-osd', 'ceph-common'] as const;

/** Programs the cluster runs (all from CEPH_PACKAGES). */
export const CEPH_BINARIES = [
  'ceph',
  'ceph-authtool',
  'monmaptool',
  'ceph-mon',
  'ceph-osd',
  'radosgw',
  'radosgw-admin',
] as const;

export type CephBinary = (typeof CEPH_BINARIES)[number];

/** Debian 12 package of Redis 7.0 for the distributed mode's tests (pulls in redis-tools). */
export const REDIS_PACKAGES = ['redis-server'] as const;

/** Programs scripts/cluster/redis.ts runs (from REDIS_PACKAGES). */
export const REDIS_BINARIES = ['redis-server'] as const;

/** The programs of `names` that are not on PATH (nor in the usual bin dirs). */
export function missingBinaries(names: readonly string[] = CEPH_BINARIES): string[] {
  return names.filter((name) => findExecutable(name) === undefined);
}

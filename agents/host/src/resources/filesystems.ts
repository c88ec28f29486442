/** One line of /proc/mounts (or /proc/1/mounts). */
export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  options: string[];
}

/**
 * Which mounts are reported. The defaults are node_exporter 1.5's upstream defaults, so
 * both agents see the same filesystems: kernel and pseudo filesystems, container
 * layers and per-service credential mounts are left out.
 */
export interface FilesystemSelection {
  mountPointsExclude: RegExp;
  fsTypesExclude: RegExp;
}

/** As text too, in the RE2 syntax node_exporter's flags take (the same here). */
export const DEFAULT_MOUNT_POINTS_EXCLUDE_PATTERN = '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';
export const DEFAULT_FS_TYPES_EXCLUDE_PATTERN =
  '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$';
export const DEFAULT_MOUNT_POINTS_EXCLUDE = new RegExp(DEFAULT_MOUNT_POINTS_EXCLUDE_PATTERN);
export const DEFAULT_FS_TYPES_EXCLUDE = new RegExp(DEFAULT_FS_TYPES_EXCLUDE_PATTERN);

export const DEFAULT_FILESYSTEM_SELECTION: FilesystemSelection = {
  mountPointsExclude: DEFAULT_MOUNT_POINTS_EXCLUDE,
  fsTypesExclude: DEFAULT_FS_TYPES_EXCLUDE,
};

/** The kernel writes space, tab, newline and backslash in mount fields as \040 \011 \012 \134. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMounts(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) throw new Error(`mounts: unreadable line '${line.slice(0, 120)}' (expected 'device mountpoint fstype options dump pass')`);
    mounts.push({
      device: unescapeMountField(fields[0]!),
      mountPoint: unescapeMountField(fields[1]!),
      fsType: fields[2]!,
      options: fields[3]!.split(','),
    });
  }
  return mounts;
}

/** The mounts to report: excluded ones dropped, each (device, mount point, type) once. */
export function selectFilesystems(mounts: MountEntry[], selection: FilesystemSelection = DEFAULT_FILESYSTEM_SELECTION): MountEntry[] {
  const seen = new Set<string>();
  const kept: MountEntry[] = [];
  for (const mount of mounts) {
    if (selection.mountPointsExclude.test(mount.mountPoint) || selection.fsTypesExclude.test(mount.fsType)) continue;
    const key = `${mount.device}\0${mount.mountPoint}\0${mount.fsType}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(mount);
  }
  return kept;
}

/** What statfs(2) says, as Node's fs.statfs returns it. */
export interface StatfsReading {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

export interface FilesystemFigures {
  device: string;
  mountPoint: string;
  fsType: string;
  readOnly: boolean;
  sizeBytes: number;
  freeBytes: number;
  /** free to unprivileged users (excludes the root reserve) */
  availBytes: number;
  files: number;
  filesFree: number;
  /** 1 − avail/size: the share unprivileged writers cannot use (the root reserve counts as used), as disk alerts on node_exporter compute it */
  usedRatio: number;
}

/** Sizes as node_exporter computes them: blocks × f_bsize. */
export function filesystemFigures(mount: MountEntry, statfs: StatfsReading): FilesystemFigures {
  const sizeBytes = statfs.blocks * statfs.bsize;
  const availBytes = statfs.bavail * statfs.bsize;
  return {
    device: mount.device,
    mountPoint: mount.mountPoint,
    fsType: mount.fsType,
    readOnly: mount.options.includes('ro'),
    sizeBytes,
    freeBytes: statfs.bfree * statfs.bsize,
    availBytes,
    files: statfs.files,
    filesFree: statfs.ffree,
    usedRatio: sizeBytes > 0 ? 1 - availBytes / sizeBytes : 0,
  };
}

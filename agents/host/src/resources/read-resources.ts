import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { parseProcStat, type CpuStat } from './cpu.ts';
import {
  DEFAULT_FILESYSTEM_SELECTION,
  filesystemFigures,
  parseMounts,
  selectFilesystems,
  type FilesystemFigures,
  type FilesystemSelection,
  type MountEntry,
  type StatfsReading,
} from './filesystems.ts';
import { parseLoadavg, type LoadFigures } from './load.ts';
import { parseMeminfo, type MemoryFigures } from './memory.ts';
import { parseNetDev, type NetworkDeviceCounters } from './network.ts';

/** The raw texts a snapshot is made of. */
export interface ResourceFiles {
  stat: string;
  meminfo: string;
  loadavg: string;
  netDev: string;
  mounts: string;
}

export interface ParsedResources {
  cpu: CpuStat;
  memory: MemoryFigures;
  load: LoadFigures;
  network: Map<string, NetworkDeviceCounters>;
  /** the mounts to report, after exclusions */
  mounts: MountEntry[];
}

/** Pure: file contents in, figures out. */
export function parseResourceFiles(files: ResourceFiles, selection: FilesystemSelection = DEFAULT_FILESYSTEM_SELECTION): ParsedResources {
  return {
    cpu: parseProcStat(files.stat),
    memory: parseMeminfo(files.meminfo),
    load: parseLoadavg(files.loadavg),
    network: parseNetDev(files.netDev),
    mounts: selectFilesystems(parseMounts(files.mounts), selection),
  };
}

export interface FilesystemError {
  mount: MountEntry;
  /** e.g. 'EACCES: permission denied', or 'statfs did not answer within 5000 ms' */
  error: string;
}

export interface ResourceSnapshot extends Omit<ParsedResources, 'mounts'> {
  /** ms since the epoch, when the files were read */
  at: number;
  filesystems: FilesystemFigures[];
  /** mounts whose statfs failed or hangs: node_filesystem_device_error in node_exporter */
  filesystemErrors: FilesystemError[];
}

export interface ResourceReaderOptions {
  /** where procfs is mounted; '/host/proc' when the agent runs in a container */
  procRoot?: string;
  /** prefix for statfs paths; '/host' when the host's / is mounted there */
  rootfs?: string;
  selection?: FilesystemSelection;
  /** a statfs (say, on a dead NFS server) slower than this is reported as an error */
  statfsTimeoutMs?: number;
  now?: () => number;
  /** injectable for tests */
  statfs?: (path: string) => Promise<StatfsReading>;
}

export interface ResourceReader {
  read(): Promise<ResourceSnapshot>;
}

/**
 * Reads /proc and statfs(2). Mount points come from /proc/1/mounts (the host's mount
 * namespace when procfs is the host's), falling back to /proc/mounts, as node_exporter
 * does. A statfs that hangs is not retried until it returns, so a stuck mount holds at
 * most one libuv thread.
 */
export function createResourceReader(options: ResourceReaderOptions = {}): ResourceReader {
  const procRoot = options.procRoot ?? '/proc';
  const rootfs = options.rootfs ?? '/';
  const timeoutMs = options.statfsTimeoutMs ?? 5000;
  const now = options.now ?? Date.now;
  const doStatfs = options.statfs ?? ((path: string) => statfs(path));
  const stuck = new Set<string>();

  const proc = (name: string) => readFile(join(procRoot, name), 'utf8');

  async function readMounts(): Promise<string> {
    try {
      return await proc('1/mounts');
    } catch {
      // hidepid or no permission on PID 1
      return proc('mounts');
    }
  }

  async function statMount(mount: MountEntry): Promise<FilesystemFigures | FilesystemError> {
    const path = join(rootfs, mount.mountPoint);
    if (stuck.has(path)) return { mount, error: `an earlier statfs has not returned after ${timeoutMs} ms` };
    let timer: NodeJS.Timeout | undefined;
    const call = doStatfs(path);
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const reading = await Promise.race([call, timedOut]);
      if (reading === 'timeout') {
        stuck.add(path);
        call.then(
          () => stuck.delete(path),
          () => stuck.delete(path),
        );
        return { mount, error: `statfs did not answer within ${timeoutMs} ms` };
      }
      return filesystemFigures(mount, reading);
    } catch (error) {
      return { mount, error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async read() {
      const at = now();
      const [stat, meminfo, loadavg, netDev, mounts] = await Promise.all([
        proc('stat'),
        proc('meminfo'),
        proc('loadavg'),
        proc('net/dev'),
        readMounts(),
      ]);
      const parsed = parseResourceFiles({ stat, meminfo, loadavg, netDev, mounts }, options.selection);
      const results = await Promise.all(parsed.mounts.map(statMount));
      const filesystems: FilesystemFigures[] = [];
      const filesystemErrors: FilesystemError[] = [];
      for (const result of results) {
        if ('error' in result) filesystemErrors.push(result);
        else filesystems.push(result);
      }
      return { at, cpu: parsed.cpu, memory: parsed.memory, load: parsed.load, network: parsed.network, filesystems, filesystemErrors };
    },
  };
}

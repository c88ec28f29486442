export {
  parseProcStat,
  cpuUtilisation,
  sumCpuTimes,
  CPU_MODES,
  USER_HZ,
  type CpuMode,
  type CpuTimes,
  type CpuStat,
  type CpuUtilisation,
} from './resources/cpu.ts';
export { parseMeminfo, type MemoryFigures } from './resources/memory.ts';
export { parseLoadavg, type LoadFigures } from './resources/load.ts';
export { parseNetDev, type NetworkDeviceCounters } from './resources/network.ts';
export {
  parseMounts,
  selectFilesystems,
  filesystemFigures,
  unescapeMountField,
  DEFAULT_FILESYSTEM_SELECTION,
  DEFAULT_MOUNT_POINTS_EXCLUDE,
  DEFAULT_FS_TYPES_EXCLUDE,
  DEFAULT_MOUNT_POINTS_EXCLUDE_PATTERN,
  DEFAULT_FS_TYPES_EXCLUDE_PATTERN,
  type MountEntry,
  type FilesystemSelection,
  type StatfsReading,
  type FilesystemFigures,
} from './resources/filesystems.ts';
export {
  createResourceReader,
  parseResourceFiles,
  type ResourceFiles,
  type ParsedResources,
  type ResourceSnapshot,
  type ResourceReader,
  type ResourceReaderOptions,
  type FilesystemError,
} from './resources/read-resources.ts';
export { resourceSamples, RESOURCE_METRICS, type ResourceSample } from './resources/resource-samples.ts';

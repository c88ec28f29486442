export { lokiExporterConfigSchema, exportersConfigSchema, type LokiExporterConfig, type ExportersConfig } from './loki-config.ts';
export { LokiExporter, lokiPushUrl, type LokiExporterOptions, type LokiExporterMetrics } from './loki-exporter.ts';
export { entriesOfBatch, entryOf, lineOf, lokiPushBody, MAX_METADATA_ENTRIES, type LokiExportEntry, type LokiLabels } from './loki-payload.ts';

// Apart from dashboards-command.ts so that `lookout --help` does not load the dashboard generator.
export const DASHBOARDS_USAGE = `  lookout dashboards build            write dashboard JSON and Grafana provisioning YAML [--out DIR] [--slos PATH...] [--config FILE]
                                      [--folder NAME] [--dashboards-path PATH] [--prometheus-url|--loki-url|--tempo-url|--alertmanager-url URL]`;

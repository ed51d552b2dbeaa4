// ActivityListeners and MeterListeners are process-wide: a TracerProvider built by one test
// records (and exports) the Activities of every other test that uses the same source names, and
// the exporter-diagnostics tests listen to process-wide EventSources. Tests in this assembly
// therefore run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

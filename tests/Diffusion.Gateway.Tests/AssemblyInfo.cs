// Deadline, backoff and breaker tests measure time: running them beside each other on a small
// machine would make their timing depend on the other tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

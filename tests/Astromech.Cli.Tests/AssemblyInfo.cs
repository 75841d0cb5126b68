// The CLI writes to the process-wide Console, so its tests must not run in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

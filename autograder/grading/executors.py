"""Where sandboxed notebooks run: a local pool or a Dask cluster.

Both offer submit(fn, *args) -> future, first_completed(futures) (the
futures done, once at least one is) and ``jobs`` (how many run at once);
the grade command does not care which. Local workers are threads: the work
happens in sandbox subprocesses, and threads keep the one trusted process
(and its gradebook connection) in charge.
"""
from __future__ import annotations

import concurrent.futures as cf
import os


def default_jobs() -> int:
    """Workers per core that were fastest on a 2-core machine (kernels
    wait on I/O and start-up, so more workers than cores win); see
    bench/grading.py."""
    return 2 * (os.cpu_count() or 1)


class LocalExecutor:
    def __init__(self, jobs: int):
        self.jobs = jobs
        self.pool = cf.ThreadPoolExecutor(max_workers=jobs)

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def first_completed(self, futures):
        return cf.wait(futures, return_when=cf.FIRST_COMPLETED).done

    def close(self):
        self.pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """Jobs on a Dask distributed cluster (dask-jobqueue, dask-kubernetes
    or a LocalCluster); every worker needs this course environment and
    bubblewrap."""

    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address)
        self.jobs = sum(self.client.nthreads().values())

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def first_completed(self, futures):
        from distributed import wait

        return wait(futures, return_when="FIRST_COMPLETED").done

    def close(self):
        self.client.close()


def make_executor(jobs: int | None, scheduler: str | None):
    if scheduler:
        return DaskExecutor(scheduler)
    return LocalExecutor(jobs or default_jobs())

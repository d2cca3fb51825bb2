"""Project plumbing: settings, URLs, the Celery app (`streamflix.celery`, loaded by `celery -A streamflix`
and by `streamflix.queue`), and small pure helpers the apps share."""

import os

# One BLAS thread per process: pages and the learning job do many small matrix products, which
# two competing BLAS threads per process make ~50x slower on a 2-core machine (measured in
# bench/bandit.py). Scale out with processes instead. Must be set before numpy is imported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
